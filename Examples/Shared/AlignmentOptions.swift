// Options of PRIMA's stage 2 (the prima-alignment experiment), shared by the example executables.
import ArgumentParser
import PRIMAAlign
import PRIMAExperiments

/// The stage-2 options (`@OptionGroup`). Unset options take the paper's values when a vision checkpoint is
/// given, else the values for the built-in small random encoders (`AlignmentSettings.smallEncoders`).
public struct AlignmentOptions: ParsableArguments {
    public init() {}

    @Option(parsing: .unconditional, help: "Alignment epochs per fold (paper: 150; small random encoders: 15).") public var alignEpochs: Int?
    @Option(parsing: .unconditional, help: "Alignment peak learning rate (paper: 3e-5; small random encoders: 3e-3).") public var alignLearningRate: Double?
    @Option(parsing: .unconditional, help: "Alignment AdamW weight decay (paper: 1e-3).") public var alignWeightDecay: Double?
    @Option(parsing: .unconditional, help: "Samples per alignment step (the contrastive batch).") public var alignBatchSize: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Weights β1,β2,β3,β4 of L_img, L_glo, L_loc, L_soft (paper: 0.2,0.3,0.2,0.3).", valueName: "b1,b2,b3,b4"))
    public var lossWeights: String?
    @Option(parsing: .unconditional, help: "Temperature τ of the contrastive losses.") public var temperature: Float?
    @Flag(help: "Train τ as well.") public var learnableTemperature = false
    @Option(parsing: .unconditional, help: "Width of the shared space of the projection heads (paper settings: 256; small encoders: 64).") public var projectionWidth: Int?
    @Option(parsing: .unconditional, help: "Epochs of the supervised refinement after the alignment (0 skips it).") public var supervisedEpochs: Int?
    @Option(parsing: .unconditional, help: "Peak learning rate of the supervised refinement.") public var supervisedLearningRate: Double?
    @Option(parsing: .unconditional, help: "Write word→patch attention heatmaps (PNG) of this many held-out samples of fold 1 after the run.") public var heatmaps = 0

    /// The settings: the defaults for the encoders in use, overridden by the options given.
    /// - Throws: `ValidationError` naming the option for a malformed `--loss-weights`.
    public func settings(usingCheckpoints: Bool) throws -> AlignmentSettings {
        var s = usingCheckpoints ? AlignmentSettings.paper : .smallEncoders
        if let alignEpochs { s.epochs = alignEpochs }
        if let alignLearningRate { s.learningRate = alignLearningRate }
        if let alignWeightDecay { s.weightDecay = alignWeightDecay }
        if let alignBatchSize { s.batchSize = alignBatchSize }
        if let lossWeights {
            let parts = lossWeights.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 4, let b = parts as? [Float] else {
                throw ValidationError("--loss-weights must be four numbers b1,b2,b3,b4, got '\(lossWeights)'")
            }
            s.lossWeights = PRIMALossWeights(imageConsistency: b[0], globalSemantic: b[1], localSemantic: b[2], softSemantic: b[3])
        }
        if let temperature { s.temperature = temperature }
        if learnableTemperature { s.learnableTemperature = true }
        if let projectionWidth { s.projectionWidth = projectionWidth }
        if let supervisedEpochs { s.supervisedEpochs = supervisedEpochs }
        if let supervisedLearningRate { s.supervisedLearningRate = supervisedLearningRate }
        guard heatmaps >= 0 else { throw ValidationError("--heatmaps must be ≥ 0, got \(heatmaps)") }
        return s
    }
}
