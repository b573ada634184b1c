// prima-padufes: five-fold cross-validation of the paper's two baselines on PAD-UFES-20.
import ArgumentParser
import Foundation
import Logging
import PRIMAData
import PRIMAExperiments

extension ClassWeighting: ExpressibleByArgument {}
extension BaselineChoice: ExpressibleByArgument {}

struct PADUFES20Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prima-padufes",
        abstract: "Cross-validates the image-only and image+metadata baselines on PAD-UFES-20.",
        discussion: """
            With no options, generates a synthetic PAD-UFES-20 look-alike into the cache folder ($PRIMA_CACHE, \
            else ~/.cache/prima-swift) and runs both baselines over five patient-disjoint folds. Prints the \
            paper-style table and writes results.json, results.csv, table.txt and SVG plots to the output folder. \
            Started again with the same output folder, an interrupted run continues where it stopped.

            Baselines: image-only is DINOv3 with LoRA (rank 32 on q/k/v/o) and a linear head on the CLS token; \
            image-metadata adds the frozen text encoder's CLS of the metadata text and an MLP head. Without \
            --vision-checkpoint / --text-checkpoint, small DINOv3 and BERT configurations with seeded random \
            weights are used (and a WordPiece tokenizer made from the metadata texts), so the run needs no \
            download; their numbers show the pipeline works, not what pretrained encoders reach.
            """)

    @Option(help: ArgumentHelp("The PAD-UFES-20 folder (metadata.csv, imgs_part_1…3).", valueName: "folder"))
    var dataDir: String?
    @Option(help: ArgumentHelp("A Hugging Face DINOv3 folder (config.json, model.safetensors).", valueName: "folder"))
    var visionCheckpoint: String?
    @Option(help: ArgumentHelp("A Hugging Face text-encoder folder (config.json, model.safetensors, tokenizer.json).", valueName: "folder"))
    var textCheckpoint: String?
    @Option(help: "Number of cross-validation folds.") var folds = 5
    @Option(help: "Training epochs per fold.") var epochs = 30
    @Option(help: "Samples per optimiser step.") var batchSize = 32
    @Option(help: "Peak learning rate (AdamW, 10% linear warm-up then cosine decay).") var learningRate = 3e-3
    @Option(help: "AdamW weight decay.") var weightDecay = 1e-2
    @Option(help: "Share of steps spent warming up.") var warmupRatio = 0.1
    @Option(help: "Share of each fold's training patients held out to pick the best epoch.") var validationFraction = 0.2
    @Option(help: "Class weights of the cross-entropy: none, balanced or sqrt-balanced.") var classWeighting = ClassWeighting.balanced
    @Option(name: .customLong("baseline"), help: "Baselines to run (repeat the option): image-only, image-metadata, placeholder (colour statistics). Default: image-only and image-metadata.")
    var baselines: [BaselineChoice] = BaselineChoice.defaults
    @Flag(help: "Also feed the metadata vector (one-hot fields) to the image-metadata baseline's MLP, next to the text CLS.")
    var appendMetadataVector = false
    @Option(help: "Seed of the folds, initialisation, shuffling, augmentation and synthetic data.") var seed: UInt64 = 0
    @Option(help: ArgumentHelp("Output folder; reuse it to resume an interrupted run.", valueName: "folder"))
    var output = "prima-runs/pad-ufes-20"
    @Option(help: ArgumentHelp("Folder of generated data (default $PRIMA_CACHE or ~/.cache/prima-swift).", valueName: "folder"))
    var cacheDir: String?
    @Option(help: "Photos of the synthetic dataset (when no --data-dir).") var syntheticImages = 600
    @Flag(help: "Log every epoch through swift-log as well.") var verbose = false
    @Flag(help: "Print no progress, only the results.") var quiet = false

    var options: RunOptions {
        RunOptions(folds: folds, epochs: epochs, batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay,
                   warmupRatio: warmupRatio, validationFraction: validationFraction, classWeighting: classWeighting, seed: seed,
                   outputDirectory: URL(fileURLWithPath: output, isDirectory: true))
    }

    func validate() throws {
        do {
            try options.validate()
            if let dataDir { try RunOptions.validateDataDirectory(URL(fileURLWithPath: dataDir)) }
            if let visionCheckpoint { try RunOptions.validateCheckpointFolder(URL(fileURLWithPath: visionCheckpoint), option: "--vision-checkpoint") }
            if let textCheckpoint { try RunOptions.validateCheckpointFolder(URL(fileURLWithPath: textCheckpoint), option: "--text-checkpoint") }
            if dataDir == nil, syntheticImages < 30 { throw ValidationError("--synthetic-images must be at least 30, got \(syntheticImages)") }
        } catch let error as ExperimentError {
            throw ValidationError(error.message)
        }
    }

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .info : .warning
            return handler
        }
        do {
            try execute()
        } catch {
            FileHandle.standardError.write(Data("error: \(ExperimentError.describe(error))\n".utf8))
            throw ExitCode.failure
        }
    }

    func execute() throws {
        let root: URL
        if let dataDir {
            root = URL(fileURLWithPath: dataDir, isDirectory: true)
        } else {
            let cache = cacheDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? DatasetCache.defaultRoot
            if !quiet { note("no --data-dir: using the synthetic PAD-UFES-20 look-alike (\(syntheticImages) photos) in \(cache.path)") }
            root = try DatasetCache.syntheticPADUFES(imageCount: syntheticImages, seed: seed, in: cache)
        }
        let dataset = try PADUFESDataset(root: root)
        let samples = dataset.lesionSamples()
        if !quiet {
            note("\(dataset.report); \(samples.count) lesions of \(Set(samples.map(\.patientID)).count) patients")
        }
        var harness = try CrossValidation(samples: samples, classNames: PADUFES.schema.label.classes,
                                          configuration: options.crossValidation)
        if !quiet { harness.observer = ProgressPrinter().handle }
        let experiments = try BaselineChoice.experiments(
            baselines, schema: PADUFES.schema, samples: samples, settings: options.trainingSettings,
            visionCheckpoint: visionCheckpoint.map { URL(fileURLWithPath: $0, isDirectory: true) },
            textCheckpoint: textCheckpoint.map { URL(fileURLWithPath: $0, isDirectory: true) },
            seed: seed, appendMetadataVector: appendMetadataVector)
        let (_, tables) = try ExperimentSuite(datasetName: "PAD-UFES-20", harness: harness).run(experiments)
        print(tables)
        print("Results, tables and plots: \(options.outputDirectory.path)")
    }

    func note(_ text: String) { FileHandle.standardError.write(Data("\(text)\n".utf8)) }
}

PADUFES20Command.main()
