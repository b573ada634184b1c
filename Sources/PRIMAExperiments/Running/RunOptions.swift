import Foundation
import PRIMAData
import PRIMATensor

/// The options every example executable shares, validated in one place so that a bad value gets the same
/// clear message everywhere. Messages name the command-line option.
public struct RunOptions: Sendable, Equatable {
    /// Number of folds (`--folds`).
    public var folds: Int
    /// Epochs per fold (`--epochs`).
    public var epochs: Int
    /// Samples per step (`--batch-size`).
    public var batchSize: Int
    /// Peak learning rate (`--learning-rate`).
    public var learningRate: Double
    /// AdamW weight decay (`--weight-decay`).
    public var weightDecay: Double
    /// Warm-up share of the steps (`--warmup-ratio`).
    public var warmupRatio: Double
    /// Validation share of each fold's training groups (`--validation-fraction`).
    public var validationFraction: Double
    /// Class weights of the loss (`--class-weighting`).
    public var classWeighting: ClassWeighting
    /// The seed of folds, initialisation, shuffling and augmentation (`--seed`).
    public var seed: UInt64
    /// The output folder (`--output`).
    public var outputDirectory: URL
    /// The precision of every linear layer's products (`--linear-products`; nil: each layer's own, Float32 unless
    /// set). See ``CrossValidation/Configuration/linearProducts``.
    public var linearProducts: BFloat16Products? = nil

    /// Options with the executables' defaults.
    public init(folds: Int = 5, epochs: Int = 30, batchSize: Int = 32, learningRate: Double = 3e-3, weightDecay: Double = 1e-2,
                warmupRatio: Double = 0.1, validationFraction: Double = 0.2, classWeighting: ClassWeighting = .balanced,
                seed: UInt64 = 0, outputDirectory: URL) {
        self.folds = folds
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.warmupRatio = warmupRatio
        self.validationFraction = validationFraction
        self.classWeighting = classWeighting
        self.seed = seed
        self.outputDirectory = outputDirectory
    }

    /// Checks each option's range.
    /// - Throws: ``ExperimentError`` `.invalidOption` naming the option, its value and what is allowed.
    public func validate() throws {
        func bad(_ message: String) -> ExperimentError { ExperimentError(.invalidOption, message) }
        guard (2...50).contains(folds) else { throw bad("--folds must be between 2 and 50, got \(folds)") }
        guard (1...100_000).contains(epochs) else { throw bad("--epochs must be between 1 and 100000, got \(epochs)") }
        guard (1...65_536).contains(batchSize) else { throw bad("--batch-size must be between 1 and 65536, got \(batchSize)") }
        guard learningRate.isFinite, learningRate > 0, learningRate <= 10 else {
            throw bad("--learning-rate must be a positive number up to 10, got \(learningRate)")
        }
        guard weightDecay.isFinite, weightDecay >= 0 else { throw bad("--weight-decay must be ≥ 0, got \(weightDecay)") }
        guard learningRate * weightDecay < 1 else {
            throw bad("--learning-rate × --weight-decay must be below 1 (each step scales the weights by 1 − their product), got \(learningRate) × \(weightDecay)")
        }
        guard warmupRatio >= 0, warmupRatio < 1 else { throw bad("--warmup-ratio must be in [0, 1), got \(warmupRatio)") }
        guard validationFraction > 0, validationFraction <= 0.5 else {
            throw bad("--validation-fraction must be in (0, 0.5], got \(validationFraction)")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: outputDirectory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw bad("--output \(outputDirectory.path) is a file, not a folder")
        }
    }

    /// The training settings these options give.
    public var trainingSettings: TrainingSettings {
        TrainingSettings(batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay, warmupRatio: warmupRatio,
                         classWeighting: classWeighting)
    }

    /// The harness configuration these options give.
    public var crossValidation: CrossValidation.Configuration {
        var configuration = CrossValidation.Configuration(folds: folds, epochs: epochs, seed: seed,
                                                          validationFraction: validationFraction, outputDirectory: outputDirectory)
        configuration.linearProducts = linearProducts
        return configuration
    }

    /// Checks that a dataset folder given by `option` exists.
    /// - Throws: ``ExperimentError`` `.invalidOption`.
    public static func validateDataDirectory(_ url: URL, option: String = "--data-dir") throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ExperimentError(.invalidOption, "\(option) \(url.path): no such folder")
        }
        guard isDirectory.boolValue else { throw ExperimentError(.invalidOption, "\(option) \(url.path) is a file, not a folder") }
    }

    /// Checks that a Hugging Face model folder given by `option` has a `config.json` and safetensors weights.
    /// - Throws: ``ExperimentError`` `.invalidOption` saying what is missing.
    public static func validateCheckpointFolder(_ url: URL, option: String) throws {
        try validateDataDirectory(url, option: option)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        guard names.contains("config.json") else {
            throw ExperimentError(.invalidOption, "\(option) \(url.path) has no config.json; expected a Hugging Face model folder")
        }
        guard names.contains(where: { $0.hasSuffix(".safetensors") }) else {
            throw ExperimentError(.invalidOption, "\(option) \(url.path) has no .safetensors weights (only safetensors checkpoints are read)")
        }
    }
}
