import Foundation
import PRIMANN
import PRIMAText
import PRIMATensor
import PRIMAVision

/// How the image encoder takes part in stage 2.
public enum ImageEncoderTraining: Sendable, Equatable {
    /// Frozen backbone with LoRA adapters (PRIMA: `LoRA/Configuration/dinov3(rank:alpha:dropout:targets:)`, rank 32).
    case lora(LoRA.Configuration)
    /// Entirely frozen: only the heads (and τ) train.
    case frozen
    /// Every parameter trains (a small encoder of a user's own, trained from scratch).
    case full
}

/// Puts an ``AlignmentModel`` into PRIMA's stage-2 state: which parameters train.
///
/// - image encoder: per ``ImageEncoderTraining`` (PRIMA: frozen with LoRA rank 32 on DINOv3's q/k/v/o);
/// - metadata encoder: frozen (a stage-1 adapter is merged into it first, see ``prepareTextEncoder(_:stageOneAdapters:configuration:)``);
/// - the four projection heads: trainable;
/// - τ: trainable only when the model was built with a learnable temperature.
public enum StageTwoSetup {
    /// Freezes and adapts `model` for stage 2.
    /// - Returns: the keys (relative to the image encoder) of the layers that received LoRA adapters.
    /// - Throws: when the LoRA targets match no Linear layer of the image encoder (the message names them).
    @discardableResult
    public static func prepare(_ model: AlignmentModel, image: ImageEncoderTraining = .lora(.dinov3()),
                               using rng: inout RandomGenerator) throws -> [String] {
        model.metadataEncoder.freeze()
        var adapted: [String] = []
        switch image {
        case .lora(let configuration):
            do {
                adapted = try LoRA.apply(to: model.imageEncoder, configuration, freezeBase: true, using: &rng)
            } catch {
                throw AlignmentError("stage 2 setup", "LoRA on image encoder \(type(of: model.imageEncoder)): \(error)")
            }
        case .frozen:
            model.imageEncoder.freeze()
        case .full:
            model.imageEncoder.unfreeze()
        }
        for (_, head) in model.heads { head.unfreeze() }
        return adapted
    }

    /// Makes a text encoder ready for stage 2: with `url`, applies the stage-1 LoRA adapters saved by
    /// `MaskedLanguageModelTrainer/saveAdapters(to:)` and merges them permanently (the encoder is then a plain
    /// encoder with refined weights); in every case freezes it and sets evaluation mode.
    /// - Parameters:
    ///   - encoder: the text encoder to prepare (changed in place).
    ///   - url: the stage-1 adapter file, or nil for the encoder as it is.
    ///   - configuration: the LoRA configuration the adapters were trained with (rank, alpha, targets; empty
    ///     targets mean the backbone's projections, as in stage 1).
    /// - Throws: the loader's error naming the file and any missing, unexpected or mis-shaped adapter key.
    public static func prepareTextEncoder(_ encoder: TextEncoder, stageOneAdapters url: URL?,
                                          configuration: LoRA.Configuration = LoRA.Configuration(rank: 8, alpha: 16, targets: [])) throws {
        if let url {
            try encoder.loadAdapters(from: url, configuration: configuration)
            LoRA.mergePermanently(in: encoder)
        }
        encoder.freeze()
        encoder.eval()
    }
}
