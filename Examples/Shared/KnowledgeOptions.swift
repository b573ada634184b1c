// Options of PRIMA's stage 1 (the text encoder refined on the knowledge corpus), shared by the example executables.
import ArgumentParser
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

    /// The settings: the defaults for the encoder in use, overridden by the options given.
    public func settings(usingCheckpoint: Bool) -> KnowledgeRefinement.Settings {
        var s = usingCheckpoint ? KnowledgeStage.paperSettings : KnowledgeStage.smallEncoderSettings
        if let knowledgeEpochs { s.epochs = knowledgeEpochs }
        if let knowledgeLearningRate { s.learningRate = knowledgeLearningRate }
        return s
    }

    /// Checks the ranges.
    /// - Throws: `ValidationError` naming the option.
    public func validate() throws {
        if let knowledgeEpochs, knowledgeEpochs < 1 { throw ValidationError("--knowledge-epochs must be at least 1, got \(knowledgeEpochs)") }
        if let knowledgeLearningRate, !(knowledgeLearningRate > 0 && knowledgeLearningRate.isFinite) {
            throw ValidationError("--knowledge-learning-rate must be a positive number, got \(knowledgeLearningRate)")
        }
    }
}
