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
    /// The word standing for each class, in the dataset's class order; the first token of each is the class token
    /// the head scores. Nil: the class names. A real checkpoint's tokenizer may split abbreviations such as "SCC"
    /// and "SEK" into the same first token (an error then); whole words ("carcinoma", "keratosis") avoid that.
    public var classWords: [String]?
    /// Storage of the language model's frozen Linear weights: `.bfloat16` halves their memory
    /// (`Module.storeFrozenWeights(as:)`, Documentation/MixedPrecision.md); adapters and heads stay float32.
    public var frozenWeights: WeightPrecision = .float32

    /// Settings from their parts.
    public init(training: FusionTrainingSettings, languageModel: URL? = nil, lora: LoRA.Configuration = .qwen3Fusion, views: Int = 2,
                languageModelSeed: UInt64 = 0, classWords: [String]? = nil) {
        self.training = training
        self.languageModel = languageModel
        self.lora = lora
        self.views = views
        self.languageModelSeed = languageModelSeed
        self.classWords = classWords
    }

    /// The paper's stage 3 (AdamW 1e-5, weight decay 3e-2, 80 epochs) on the Qwen3 of `languageModel`.
    public static func paper(languageModel: URL) -> FusionSettings { FusionSettings(training: .paper, languageModel: languageModel) }

    /// **[ours]** The built-in small random Qwen3 (`Qwen3Config.smallFusion(vocabularySize:)`, 2 layers of width 64):
    /// `FusionTrainingSettings.small` (15 epochs at 1e-3).
    public static var small: FusionSettings { FusionSettings(training: .small) }

    /// The settings as text for a run's fingerprint.
    public var fingerprint: [String: String] {
        let o = training.optimization
        var text = ["epochs": String(training.epochs), "batch_size": String(training.batchSize), "learning_rate": String(o.learningRate),
                "weight_decay": String(o.weightDecay), "warmup_ratio": String(o.warmupRatio),
                "gradient_clip_norm": o.gradientClipNorm.map { String($0) } ?? "none", "balanced_classes": String(training.balancesClasses),
                "language_model": languageModel.map { "checkpoint:" + $0.standardizedFileURL.path } ?? "built-in-small-qwen3:\(languageModelSeed)",
                "lora": "rank \(lora.rank) alpha \(lora.alpha) on \(lora.targets.joined(separator: ","))", "views": String(views)]
        // Absent when default, so that runs made before these settings existed keep their fingerprint.
        if let classWords { text["class_words"] = classWords.joined(separator: ",") }
        if frozenWeights != .float32 { text["frozen_weights"] = frozenWeights.rawValue }
        return text
    }

    /// Checks every value's range.
    /// - Throws: ``ExperimentError`` `.invalidOption` naming the setting.
    public func validate() throws {
        do { try training.validate() } catch { throw ExperimentError(.invalidOption, "stage 3: \(ExperimentError.describe(error))") }
        guard (1...2).contains(views) else { throw ExperimentError(.invalidOption, "stage 3: views must be 1 or 2, got \(views)") }
        if let classWords {
            if let blank = classWords.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw ExperimentError(.invalidOption, "stage 3: class word \(blank + 1) is empty")
            }
            if let repeated = classWords.first(where: { word in classWords.filter { $0 == word }.count > 1 }) {
                throw ExperimentError(.invalidOption, "stage 3: the class word \"\(repeated)\" stands for two classes")
            }
        }
    }

    /// The class words for a dataset's classes: ``classWords`` when set (one per class), else the class names.
    /// - Throws: ``ExperimentError`` `.invalidOption` when the counts differ.
    func classWords(for classNames: [String]) throws -> [String] {
        guard let classWords else { return classNames }
        guard classWords.count == classNames.count else {
            throw ExperimentError(.invalidOption, "stage 3: \(classWords.count) class words for the dataset's \(classNames.count) classes "
                                  + "(\(classNames.joined(separator: ", ")))")
        }
        return classWords
    }

    /// Checks, before any fold trains, that the class words fit `classNames` and that their first tokens under the
    /// language model's tokenizer differ (only `tokenizer.json` is read; the built-in tokenizer is made from the words).
    /// - Throws: ``ExperimentError`` `.invalidOption` naming the words and the problem.
    func checkClassTokens(classNames: [String]) throws {
        let words = try classWords(for: classNames)
        guard let folder = languageModel else { return }
        let tokenizer: Tokenizer
        do { tokenizer = try Tokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json")) } catch {
            throw ExperimentError(.invalidOption, "--llm-checkpoint \(folder.path): \(ExperimentError.describe(error))")
        }
        do { _ = try FusionClassifier.classTokenIDs(words: words, tokenizer: tokenizer, vocabularySize: Int.max) } catch {
            throw ExperimentError(.invalidOption, "stage 3: \(ExperimentError.describe(error))")
        }
    }

    /// The language model and its tokenizer: the checkpoint folder's, or the built-in small Qwen3 whose random
    /// weights are drawn from ``languageModelSeed`` (the same on every call, so every fold starts from the same frozen model).
    /// - Throws: ``ExperimentError`` `.invalidOption` naming the folder and the problem.
    func makeLanguageModel(classNames: [String]) throws -> (Qwen3ForCausalLM, Tokenizer) {
        guard let folder = languageModel else {
            let tokenizer = try BuiltInFusionTokenizer.make(classWords: try classWords(for: classNames))
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
