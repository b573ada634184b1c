import PRIMAAlign
import PRIMANN
import PRIMAText
import PRIMATensor

extension FusionFeatureSet {
    /// Encodes samples once with the frozen stage-2 encoders, in batches, without gradients and in evaluation mode
    /// (each encoder's mode is restored afterwards).
    ///
    /// - Parameters:
    ///   - ids: sample identifiers, in order.
    ///   - labels: class indices, in order.
    ///   - batchSize: samples per encoder call.
    ///   - imageEncoder: the aligned image encoder (adapters merged or frozen).
    ///   - metadataEncoder: the text encoder of the metadata.
    ///   - inputs: the pixels `[B, 3, H, W]` of every view and the metadata texts of the samples in a range of
    ///     indices (the caller loads and preprocesses the photos).
    /// - Throws: ``FusionError`` for an empty set, a non-positive batch size, inputs whose counts do not fit the range
    ///   or a view count that changes between batches; the encoders' and `inputs`' errors.
    public static func encode(ids: [String], labels: [Int], batchSize: Int, imageEncoder: any ImageEncoder,
                              metadataEncoder: any MetadataEncoder,
                              inputs: (Range<Int>) throws -> (views: [Tensor], texts: [String])) throws -> FusionFeatureSet {
        let source = "fusion feature set"
        guard !ids.isEmpty else { throw FusionError(source, "no sample to encode") }
        guard batchSize > 0 else { throw FusionError(source, "batchSize must be positive, got \(batchSize)") }
        guard labels.count == ids.count else { throw FusionError(source, "\(labels.count) labels for \(ids.count) samples") }
        let modes = (imageEncoder.isTraining, metadataEncoder.isTraining)
        imageEncoder.eval()
        metadataEncoder.eval()
        defer {
            imageEncoder.train(modes.0)
            metadataEncoder.train(modes.1)
        }
        var parts: [FusionFeatureSet] = []
        for start in stride(from: 0, to: ids.count, by: batchSize) {
            let range = start ..< min(start + batchSize, ids.count)
            let (pixels, texts) = try inputs(range)
            guard !pixels.isEmpty, pixels.allSatisfy({ $0.shape.first == range.count }), texts.count == range.count else {
                throw FusionError(source, "samples \(range.lowerBound)..<\(range.upperBound): \(pixels.map(\.shape)) pixel views and \(texts.count) texts for \(range.count) samples")
            }
            let features = try noGrad { () throws -> ([ImageFeatures], TextFeatures) in
                (pixels.map { imageEncoder.encodeImages($0) }, try metadataEncoder.encodeMetadata(texts))
            }
            parts.append(try FusionFeatureSet(ids: Array(ids[range]), labels: Array(labels[range]), views: features.0, text: features.1))
        }
        return try concatenating(parts)
    }
}
