import Foundation
import PRIMAData
import PRIMANN
import PRIMATensor

/// A model that classifies a `TwoViewBatch`: the shape of every baseline and of PRIMA's classifiers.
///
/// The image-only baseline reads `batch.view1` (DINOv3 + LoRA, then a linear head); the image+metadata
/// baseline also encodes `batch.texts` (the text encoder's CLS) and joins the two through an MLP.
/// Training or evaluation mode follows `Module.isTraining` (the harness switches it).
public protocol BatchClassifier: Module {
    /// Class logits [B, K] of the batch's samples.
    func logits(for batch: TwoViewBatch) -> Tensor

    /// The views of each sample ``logits(for:)`` reads: 2, or 1 when it reads `view1` only (the loaders then
    /// skip the second photo's decoding and augmentation). Default 2.
    var viewsPerSample: Int { get }
}

extension BatchClassifier {
    public var viewsPerSample: Int { 2 }
}

extension TwoViewBatch {
    /// The metadata vectors without the weighted label one-hot that `MetadataVectorEncoder` appends for the
    /// soft-target loss: [B, D − K]. A classifier must read this, never `metadataVectors`, which holds the answer.
    public func metadataFeatures(classCount: Int) -> Tensor {
        let width = metadataVectors.shape[1] - classCount
        precondition(width >= 0, "metadata vectors of width \(metadataVectors.shape[1]) cannot end in \(classCount) label slots")
        return metadataVectors.narrowed(axis: 1, start: 0, length: width)
    }
}

/// How batches are made for a classifier: the metadata schema, the image transforms for training and
/// evaluation, and the photo decoder.
public struct BatchPipeline: Sendable {
    /// The metadata fields and classes (renders the texts, encodes the vectors).
    public var schema: MetadataSchema
    /// The augmenting transform used for training batches.
    public var trainTransform: ImageTransform
    /// The deterministic transform used for validation and test batches.
    public var evaluationTransform: ImageTransform
    /// Reads a photo.
    public var decode: @Sendable (URL) throws -> RGBImage
    /// Threads decoding the photos of a batch.
    public var workerCount: Int

    /// A pipeline; by default photos are PNG or JPEG, told apart by their first bytes (`ImageDecoder`).
    public init(schema: MetadataSchema, trainTransform: @escaping ImageTransform, evaluationTransform: @escaping ImageTransform,
                decode: @escaping @Sendable (URL) throws -> RGBImage = ImageDecoder.reader(options: ImageDecodingOptions()),
                workerCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)) {
        self.schema = schema
        self.trainTransform = trainTransform
        self.evaluationTransform = evaluationTransform
        self.decode = decode
        self.workerCount = workerCount
    }

    /// A loader over `samples`: shuffled, augmented batches with `training`, else in order through the
    /// evaluation transform; `views` 1 for a consumer of `view1` alone (see `TwoViewLoader.Configuration.viewCount`).
    public func loader(_ samples: [DatasetSample], batchSize: Int, training: Bool, seed: UInt64, views: Int = 2) -> TwoViewLoader {
        TwoViewLoader(samples: samples, transform: training ? trainTransform : evaluationTransform,
                      renderer: MetadataTextRenderer(schema: schema), encoder: MetadataVectorEncoder(schema: schema),
                      configuration: .init(batchSize: batchSize, shuffle: training, seed: seed, workerCount: workerCount,
                                           viewCount: views),
                      decode: decode)
    }
}
