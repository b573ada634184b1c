import Foundation
import PRIMAAlign
import PRIMAFusion
import PRIMANN
import PRIMAText

/// The settings of PRIMA's stage 3 as the harness runs it: which Qwen3, its adapters, and how
/// `FusionTrainer` (PRIMAFusion) trains it on a fold's frozen features.
public struct FusionSettings: Sendable, Equatable {
    /// Epochs, batch size, learning rate, weight decay, warm-up, clipping and class balancing of stage 3.
    public var training: FusionTrainingSettings
    /// A Hugging Face Qwen3 folder (`config.json`, safetensors weights, `tokenizer.json`); nil for the built-in
    /// small Qwen3 with seeded random weights and a tokenizer made in code (no download).
    public var languageModel: URL?
    /// The language model's adapters (the paper: rank 16 on q/k/v/o and gate/up/down).
    public var lora: LoRA.Configuration
    /// Image views per sample fed to the language model, 1 or 2 (each gives its global token and its patch
    /// tokens; the second view is the sample's second photo when it has one, else the first again).
    public var views: Int
    /// Seed of the built-in small Qwen3's random weights (unused with ``languageModel``).
    public var languageModelSeed: UInt64
    /// Storage of the language model's frozen Linear weights: `.bfloat16` halves their memory
    /// (`Module.storeFrozenWeights(as:)`, Documentation/MixedPrecision.md); adapters and heads stay float32.
    public var frozenWeights: WeightPrecision = .float32

    /// Settings from their parts.
    public init(training: FusionTrainingSettings, languageModel: URL? = nil, lora: LoRA.Configuration = .qwen3Fusion, views: Int = 2,
                languageModelSeed: UInt64 = 0) {
        self.training = training
        self.languageModel = languageModel
        self.lora = lora
        self.views = views
        self.languageModelSeed = languageModelSeed
    }

    /// The paper's stage 3 (AdamW 1e-5, weight decay 3e-2, 80 epochs) on the Qwen3 of `languageModel`.
    public static func paper(languageModel: URL) -> FusionSettings { FusionSettings(training: .paper, languageModel: languageModel) }

    /// **[ours]** The built-in small random Qwen3 (`Qwen3Config.smallFusion(vocabularySize:)`, 2 layers of width 64):
    /// `FusionTrainingSettings.small` (15 epochs at 1e-3).
    public static var small: FusionSettings { FusionSettings(training: .small) }

    /// The settings as text for a run's fingerprint.
    public var fingerprint: [String: String] {
        let o = training.optimization
        return ["epochs": String(training.epochs), "batch_size": String(training.batchSize), "learning_rate": String(o.learningRate),
                "weight_decay": String(o.weightDecay), "warmup_ratio": String(o.warmupRatio),
                "gradient_clip_norm": o.gradientClipNorm.map { String($0) } ?? "none", "balanced_classes": String(training.balancesClasses),
                "language_model": languageModel.map { "checkpoint:" + $0.standardizedFileURL.path } ?? "built-in-small-qwen3:\(languageModelSeed)",
                "lora": "rank \(lora.rank) alpha \(lora.alpha) on \(lora.targets.joined(separator: ","))", "views": String(views)]
            // Only a non-default storage is named, so fingerprints of float32 runs stay as they were.
            .merging(frozenWeights == .float32 ? [:] : ["frozen_weights": frozenWeights.rawValue]) { $1 }
    }

    /// Checks every value's range.
    /// - Throws: ``ExperimentError`` `.invalidOption` naming the setting.
    public func validate() throws {
        do { try training.validate() } catch { throw ExperimentError(.invalidOption, "stage 3: \(ExperimentError.describe(error))") }
        guard (1...2).contains(views) else { throw ExperimentError(.invalidOption, "stage 3: views must be 1 or 2, got \(views)") }
    }

    /// The language model and its tokenizer: the checkpoint folder's, or the built-in small Qwen3 whose random
    /// weights are drawn from ``languageModelSeed`` (the same on every call, so every fold starts from the same frozen model).
    /// - Throws: ``ExperimentError`` `.invalidOption` naming the folder and the problem.
    func makeLanguageModel(classNames: [String]) throws -> (Qwen3ForCausalLM, Tokenizer) {
        guard let folder = languageModel else {
            let tokenizer = try BuiltInFusionTokenizer.make(classWords: classNames)
            return (Qwen3ForCausalLM(config: .smallFusion(vocabularySize: tokenizer.vocabularySize),
                                     initialization: .random(seed: languageModelSeed)), tokenizer)
        }
        do {
            let tokenizer = try Tokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json"))
            // A bf16 checkpoint then stays bf16 in memory (never widened); the classifier freezes the model anyway.
            let model = frozenWeights == .float32 ? try Qwen3ForCausalLM(contentsOf: folder)
                : try Qwen3ForCausalLM(contentsOf: folder, frozenWeights: frozenWeights)
            return (model, tokenizer)
        } catch {
            throw ExperimentError(.invalidOption, "--llm-checkpoint \(folder.path): not a usable Qwen3 checkpoint: \(ExperimentError.describe(error))")
        }
    }
}
