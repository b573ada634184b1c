// Options of PRIMA's stage 3 (the Qwen3 fusion classifier), shared by the example executables.
import ArgumentParser
import Foundation
import PRIMAExperiments
import PRIMAFusion
import PRIMANN

/// The stage-3 options (`@OptionGroup`). Unset options take the paper's values (80 epochs, AdamW 1e-5, weight decay
/// 3e-2) with `--llm-checkpoint`, else `FusionSettings.small` for the built-in small random Qwen3.
public struct FusionOptions: ParsableArguments {
    public init() {}

    @Option(help: ArgumentHelp("A Hugging Face Qwen3 folder (config.json, safetensors weights, tokenizer.json) for stage 3; default: a small Qwen3 with seeded random weights and a tokenizer made in code.", valueName: "folder"))
    public var llmCheckpoint: String?
    @Option(parsing: .unconditional, help: "Stage-3 epochs per fold (paper: 80; built-in small Qwen3: 15).") public var fusionEpochs: Int?
    @Option(parsing: .unconditional, help: "Stage-3 peak learning rate (paper: 1e-5; built-in small Qwen3: 1e-3).") public var fusionLearningRate: Double?
    @Option(parsing: .unconditional, help: "Stage-3 AdamW weight decay (paper: 3e-2).") public var fusionWeightDecay: Double?
    @Option(parsing: .unconditional, help: "Samples per stage-3 step (8).") public var fusionBatchSize: Int?
    @Option(help: ArgumentHelp("The word standing for each class in stage 3, comma-separated, in the dataset's class order (default: the class names); the first token of each must differ under the checkpoint's tokenizer.", valueName: "w1,w2,…"))
    public var fusionClassWords: String?
    /// The settings: the defaults for the language model in use, overridden by the options given. `seed` seeds the
    /// built-in model's random weights; `frozenWeights` (the run's `--frozen-weights`) stores the language model's
    /// frozen Linear weights.
    public func settings(seed: UInt64, frozenWeights: WeightPrecision = .float32) -> FusionSettings {
        var s = llmCheckpoint.map { FusionSettings.paper(languageModel: URL(fileURLWithPath: $0, isDirectory: true)) }
            ?? FusionSettings(training: .small, languageModelSeed: seed &+ 2)
        if let fusionEpochs { s.training.epochs = fusionEpochs }
        if let fusionLearningRate { s.training.optimization.learningRate = fusionLearningRate }
        if let fusionWeightDecay { s.training.optimization.weightDecay = fusionWeightDecay }
        if let fusionBatchSize { s.training.batchSize = fusionBatchSize }
        s.classWords = classWordList
        s.frozenWeights = frozenWeights
        return s
    }

    /// `--fusion-class-words` split at commas, each word trimmed.
    var classWordList: [String]? {
        fusionClassWords.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// Checks the folder and the ranges.
    /// - Throws: `ValidationError` naming the option.
    public func validate() throws {
        if let fusionEpochs, fusionEpochs < 1 { throw ValidationError("--fusion-epochs must be at least 1, got \(fusionEpochs)") }
        if let fusionBatchSize, fusionBatchSize < 1 { throw ValidationError("--fusion-batch-size must be at least 1, got \(fusionBatchSize)") }
        if let fusionLearningRate, !(fusionLearningRate > 0 && fusionLearningRate.isFinite) {
            throw ValidationError("--fusion-learning-rate must be a positive number, got \(fusionLearningRate)")
        }
        if let fusionWeightDecay, !(fusionWeightDecay >= 0 && fusionWeightDecay.isFinite) {
            throw ValidationError("--fusion-weight-decay must be ≥ 0, got \(fusionWeightDecay)")
        }
        if let words = classWordList, let blank = words.firstIndex(where: \.isEmpty) {
            throw ValidationError("--fusion-class-words: word \(blank + 1) is empty (give one word per class, comma-separated)")
        }
        if let llmCheckpoint {
            guard !llmCheckpoint.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ValidationError("--llm-checkpoint must name a folder, got an empty path")
            }
            let folder = URL(fileURLWithPath: llmCheckpoint, isDirectory: true)
            do { try RunOptions.validateCheckpointFolder(folder, option: "--llm-checkpoint") } catch let error as ExperimentError {
                throw ValidationError(error.message)
            }
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("tokenizer.json").path) else {
                throw ValidationError("--llm-checkpoint \(folder.path) has no tokenizer.json")
            }
        }
    }
}
