import Foundation
import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMATensor

/// The classifier the harness trains and selects by validation after PRIMA's stage 2: the aligned image
/// encoder (DINOv3 with the adapters of the last stage-2 step, global feature pooled and scaled as the
/// alignment saw it) and a linear head on its global feature, started from the supervised step's head when
/// there was one.
///
/// Keys: `encoder.…` (the DINOv3 keys; only the adapters train) and `head.…`.
final class AlignedImageClassifier: Module, BatchClassifier {
    /// The aligned image encoder.
    @Key("encoder") private(set) var encoder: PooledImageEncoder
    /// Global feature → class logits.
    @Key("head") private(set) var head: Linear

    init(encoder: PooledImageEncoder, head: Linear) {
        super.init()
        self.encoder = encoder
        self.head = head
    }

    func logits(for batch: TwoViewBatch) -> Tensor { head(encoder.encodeImages(batch.view1).global) }

    var viewsPerSample: Int { 1 }

    /// The classifier of a fold from the stages' outputs: the network of `alignment` restored from its folder,
    /// then the supervised step's adapters and head when `supervised` is given (else a new head, drawn from `seed`).
    /// - Throws: ``ExperimentError`` `.io` for a missing or mismatched stage file.
    /// `earlierOutputs` are every earlier output by name (stage 1's refines the text encoder the alignment's
    /// network is rebuilt with).
    static func restore(alignment: AlignmentStage, context: FoldContext, aligned: URL, supervised: URL?,
                        seed: UInt64, earlierOutputs: [String: URL] = [:]) throws -> AlignedImageClassifier {
        let input = StageInput(fold: context.fold, train: context.train, classNames: context.classNames, seed: seed,
                               previousOutputs: earlierOutputs)
        let image = try alignment.loadModel(input, trained: aligned).image
        var rng = RandomGenerator(seed: seed)
        let head = Linear(image.featureWidth, context.classCount, using: &rng)
        if let supervised {
            try AlignedEncoder.loadAdapters(into: image.backbone, from: supervised.appendingPathComponent(AlignmentStage.adaptersFile))
            try AlignedEncoder.loadWeights(into: head, from: supervised.appendingPathComponent(SupervisedRefinementStage.classifierFile),
                                           what: "supervised head")
        }
        return AlignedImageClassifier(encoder: image, head: head)
    }
}
