// `prima-knowledge refine`: masked-language-model refinement on the approved entries.
import ArgumentParser
import Foundation
import PRIMAKnowledge
import PRIMAText

struct Refine: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refines the text encoder by masked-language modelling (LoRA rank 8) on the approved corpus entries.",
        discussion: "AdamW with 10% linear warm-up then cosine decay. A checkpoint is written after every epoch; "
            + "with --resume an interrupted run continues from it. The adapters are written to --output.")

    @Option(help: ArgumentHelp("The knowledge corpus (JSON Lines); default: the shipped starting corpus.", valueName: "file"))
    var corpus: String?
    @Option(help: ArgumentHelp("Masked-LM checkpoint folder (config.json, model.safetensors, tokenizer.json).", valueName: "folder"))
    var textCheckpoint: String
    @Option(help: ArgumentHelp("Adapter file to write (safetensors).", valueName: "file")) var output: String
    @Option(help: ArgumentHelp("Training checkpoint file.", valueName: "file")) var checkpoint: String?
    @Flag(help: "Continue from --checkpoint if it exists.") var resume = false
    @Option(help: "Epochs (the paper trains 2,500).") var epochs = 3
    @Option(help: "Texts per step.") var batchSize = 8
    @Option(help: "Longest text in tokens.") var maxLength = 128
    @Option(help: "Peak learning rate (paper: 5e-5).") var learningRate = 5e-5
    @Option(help: "Share of texts held out to measure the loss.") var heldOutFraction = 0.1
    @Option(help: "Seed.") var seed: UInt64 = 0

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be a positive number") }
        guard (0..<1).contains(heldOutFraction) else { throw ValidationError("--held-out-fraction must be in [0, 1)") }
        guard !resume || checkpoint != nil else { throw ValidationError("--resume needs --checkpoint") }
    }

    func run() throws {
        try reportingErrors {
            guard let corpusURL = corpus.map({ URL(fileURLWithPath: $0) }) ?? KnowledgeCorpus.startingCorpusURL else {
                throw KnowledgeError("the shipped starting corpus is missing; give --corpus")
            }
            let texts = try RefinementTexts.texts(of: try KnowledgeCorpus(contentsOf: corpusURL), source: corpusURL.path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: textCheckpoint, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw KnowledgeError("--text-checkpoint \(textCheckpoint): no such folder")
            }
            let folder = URL(fileURLWithPath: textCheckpoint)
            let model = try TextEncoderArchitecture.loadMaskedLanguageModel(contentsOf: folder)
            let tokenizer = try Tokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json"))
            var settings = KnowledgeRefinement.Settings(epochs: epochs, batchSize: batchSize, maxLength: maxLength,
                                                        heldOutFraction: heldOutFraction, seed: seed)
            settings.learningRate = learningRate
            let run = try KnowledgeRefinement(texts: texts, model: model, tokenizer: tokenizer, settings: settings,
                                              checkpoint: checkpoint.map { URL(fileURLWithPath: $0) })
            note("\(run.trainingTexts.count) training texts, \(run.heldOutTexts.count) held out, \(run.stepsPerEpoch) steps per epoch")
            let report = try run.run(resume: resume) { progress in
                if let heldOut = progress.heldOutLoss {
                    note("epoch \(progress.epoch + 1)/\(epochs): step \(progress.step)/\(progress.totalSteps), held-out loss \(heldOut)")
                }
            }
            try run.saveAdapters(to: URL(fileURLWithPath: output))
            let before = report.initialHeldOutLoss.map { String($0) } ?? "n/a"
            let after = report.heldOutLosses.last.map { String($0) } ?? "n/a"
            print("held-out MLM loss \(before) -> \(after) after \(report.steps) steps; adapters written to \(output)")
        }
    }
}
