// Options of PRIMA's stage 1 (the text encoder refined on the knowledge corpus), shared by the example executables.
import ArgumentParser
import Foundation
import PRIMAExperiments
import PRIMAKnowledge

/// The stage-1 options (`@OptionGroup`). Unset options take `KnowledgeStage.paperSettings` when a text
/// checkpoint is given, else `KnowledgeStage.smallEncoderSettings` (for the built-in random text encoder).
public struct KnowledgeOptions: ParsableArguments {
    public init() {}

    @Option(parsing: .unconditional, help: "Stage-1 epochs over the knowledge corpus (small random encoder: 6; with --text-checkpoint: 20).")
    public var knowledgeEpochs: Int?
    @Option(parsing: .unconditional, help: "Stage-1 peak learning rate (paper: 5e-5; small random encoder: 2e-3).")
    public var knowledgeLearningRate: Double?
    @Option(help: ArgumentHelp("A knowledge corpus for stage 1 instead of the shipped one: JSON Lines, one entry per line as prima-knowledge generate and review write them; its approved entries about the dataset's classes are used. A different corpus gets its own stage-1 folder.", valueName: "file.jsonl"))
    public var knowledgeCorpus: String?

    /// The file of `--knowledge-corpus`, nil for the shipped corpus.
    public var corpusURL: URL? { knowledgeCorpus.map { URL(fileURLWithPath: $0) } }

    /// The settings: the defaults for the encoder in use, overridden by the options given.
    public func settings(usingCheckpoint: Bool) -> KnowledgeRefinement.Settings {
        var s = usingCheckpoint ? KnowledgeStage.paperSettings : KnowledgeStage.smallEncoderSettings
        if let knowledgeEpochs { s.epochs = knowledgeEpochs }
        if let knowledgeLearningRate { s.learningRate = knowledgeLearningRate }
        return s
    }

    /// Checks the ranges, and reads the corpus file so that a bad one stops the run before any data is made.
    /// - Throws: `ValidationError` naming the option (and the file and line of a bad corpus entry).
    public func validate() throws {
        if let knowledgeCorpus {
            guard !knowledgeCorpus.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ValidationError("--knowledge-corpus must name a file, got an empty path")
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: knowledgeCorpus, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw ValidationError("--knowledge-corpus \(knowledgeCorpus): no such file")
            }
            do { _ = try KnowledgeCorpus(contentsOf: URL(fileURLWithPath: knowledgeCorpus)) } catch {
                throw ValidationError("--knowledge-corpus: \(ExperimentError.describe(error))")
            }
        }
        if let knowledgeEpochs, knowledgeEpochs < 1 { throw ValidationError("--knowledge-epochs must be at least 1, got \(knowledgeEpochs)") }
        if let knowledgeLearningRate, !(knowledgeLearningRate > 0 && knowledgeLearningRate.isFinite) {
            throw ValidationError("--knowledge-learning-rate must be a positive number, got \(knowledgeLearningRate)")
        }
    }
}
