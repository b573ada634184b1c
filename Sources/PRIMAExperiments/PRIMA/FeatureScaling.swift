import Foundation
import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMATensor
import PRIMAText

/// **[ours]** Per-dimension centring and scaling of the frozen encoders' outputs before the projection heads,
/// with statistics of the fold's training split under the encoders as they start (adapters at zero).
///
/// Encoders with random weights give features dominated by one direction shared by every input (measured on
/// the built-in small BERT: the CLS varies across texts by a few millionths of its mean square),
/// so cosine similarities are all about equal and the contrastive losses have no gradient to follow.
/// Removing the shared part and scaling each dimension to unit variance leaves what differs between inputs.
struct FeatureScaling {
    var imageGlobal, imagePatches, textGlobal, textWords: FeatureStandardization

    /// The file the statistics are saved in, inside a stage's output folder.
    static let fileName = "feature-scaling.safetensors"

    /// Statistics of `samples` (evaluation transform, view 1) under `image` and `text` as they are now
    /// (their own scaling must be unset).
    static func fit(image: PooledImageEncoder, text: PooledMetadataEncoder, samples: [DatasetSample],
                    pipeline: BatchPipeline) throws -> FeatureScaling {
        precondition(image.scaling == nil && text.scaling == nil, "fit the statistics on unscaled encoders")
        var moments = [Moments](repeating: Moments(), count: 4)
        var batches = pipeline.loader(samples, batchSize: 32, training: false, seed: 0, views: 1).epoch(0)
        while let batch = try batches.next() {
            let (images, texts) = try noGrad { (image.encodeImages(batch.view1), try text.encodeMetadata(batch.texts)) }
            moments[0].add(images.global, weights: nil)
            if let tokens = images.tokens { moments[1].add(tokens, weights: nil) }
            moments[2].add(texts.cls, weights: nil)
            moments[3].add(texts.tokens, weights: texts.wordMask)
        }
        let fitted = moments.map { $0.standardization() }
        return FeatureScaling(imageGlobal: fitted[0], imagePatches: fitted[1], textGlobal: fitted[2], textWords: fitted[3])
    }

    /// Makes `image` and `text` standardise their outputs with these statistics.
    func apply(image: PooledImageEncoder, text: PooledMetadataEncoder) {
        image.scaling = (imageGlobal, imagePatches)
        text.scaling = (textGlobal, textWords)
    }

    /// Writes the statistics into `folder`.
    func write(to folder: URL) throws {
        var weights: [String: Tensor] = [:]
        for (name, s) in [("image_global", imageGlobal), ("image_patches", imagePatches), ("text_global", textGlobal), ("text_words", textWords)] {
            weights[name + ".mean"] = s.mean
            weights[name + ".inverse_sd"] = s.inverseSD
        }
        try TrainingCheckpoint(weights: weights).write(to: folder.appendingPathComponent(Self.fileName))
    }

    /// Reads the statistics written by ``write(to:)``.
    static func read(from folder: URL) throws -> FeatureScaling {
        let url = folder.appendingPathComponent(fileName)
        let weights = try TrainingCheckpoint(contentsOf: url).weights
        func part(_ name: String) throws -> FeatureStandardization {
            guard let mean = weights[name + ".mean"], let inverse = weights[name + ".inverse_sd"] else {
                throw ExperimentError(.io, "\(url.path) has no statistics '\(name)'")
            }
            return FeatureStandardization(mean: mean.scalars, sd: inverse.scalars.map { 1 / $0 })
        }
        return FeatureScaling(imageGlobal: try part("image_global"), imagePatches: try part("image_patches"),
                              textGlobal: try part("text_global"), textWords: try part("text_words"))
    }

    /// Running sums over the rows of `[…, D]` features.
    struct Moments {
        var sum: [Double] = [], squares: [Double] = [], count = 0.0

        mutating func add(_ x: Tensor, weights: Tensor?) {
            let d = x.shape[x.rank - 1], values = x.scalars, rows = values.count / d
            let w = weights?.scalars
            if sum.isEmpty { sum = [Double](repeating: 0, count: d); squares = sum }
            for r in 0..<rows {
                let weight = Double(w?[r] ?? 1)
                guard weight > 0 else { continue }
                for j in 0..<d {
                    let v = Double(values[r * d + j])
                    sum[j] += weight * v
                    squares[j] += weight * v * v
                }
                count += weight
            }
        }

        func standardization() -> FeatureStandardization {
            let n = max(count, 1)
            let mean = sum.map { $0 / n }
            let sd = zip(squares, mean).map { (max(0, $0 / n - $1 * $1)).squareRoot() }
            // A dimension that never varies keeps its scale (FeatureStandardization takes sd 1 below 1e-6).
            return FeatureStandardization(mean: mean.map(Float.init), sd: sd.map(Float.init))
        }
    }
}
