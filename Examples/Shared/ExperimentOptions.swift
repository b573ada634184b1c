// Options and plumbing shared by the example executables (prima-padufes, prima-aqua).
import ArgumentParser
import Foundation
import Logging
import PRIMAData
import PRIMAExperiments
import PRIMANN

extension ClassWeighting: ExpressibleByArgument {}
extension BaselineChoice: ExpressibleByArgument {}

/// The training, checkpoint and output options every example takes (`@OptionGroup`).
public struct ExperimentOptions: ParsableArguments {
    public init() {}

    @Option(help: ArgumentHelp("A Hugging Face DINOv3 folder (config.json, model.safetensors).", valueName: "folder"))
    public var visionCheckpoint: String?
    @Option(help: ArgumentHelp("A Hugging Face text-encoder folder (config.json, model.safetensors, tokenizer.json).", valueName: "folder"))
    public var textCheckpoint: String?
    @Option(parsing: .unconditional, help: "Number of cross-validation folds.") public var folds = 5
    @Option(parsing: .unconditional, help: "Training epochs per fold.") public var epochs = 30
    @Option(parsing: .unconditional, help: "Samples per optimiser step.") public var batchSize = 32
    @Option(parsing: .unconditional, help: "Peak learning rate (AdamW, linear warm-up then cosine decay).") public var learningRate = 3e-3
    @Option(parsing: .unconditional, help: "AdamW weight decay.") public var weightDecay = 1e-2
    @Option(parsing: .unconditional, help: "Share of steps spent warming up.") public var warmupRatio = 0.1
    @Option(parsing: .unconditional, help: "Share of each fold's training patients held out to pick the best epoch.") public var validationFraction = 0.2
    @Option(help: "Class weights of the cross-entropy: none, balanced or sqrt-balanced.") public var classWeighting = ClassWeighting.balanced
    @Option(name: .customLong("baseline"), help: "Experiments to run (repeat the option): image-only, image-metadata, prima (the whole method: stage 1 once per run, then per fold stage 2 and the classifier), prima-alignment (stage 2 alone: alignment, supervised step, then the aligned encoder with a linear head). Default: image-only, image-metadata and prima.")
    public var baselines: [BaselineChoice] = BaselineChoice.defaults
    @Flag(help: "Also feed the metadata vector (one-hot fields) to the image-metadata baseline's MLP, next to the text CLS.")
    public var appendMetadataVector = false
    @Flag(help: "After training, score every test fold again with each metadata field missing and with all missing (methods that read metadata): missing-metadata.csv and .svg.")
    public var missingMetadata = false
    @Flag(help: "Also run the ablations of PRIMA (Table 3): without each of the four losses, L_loc_dir for L_loc, L_sup_con for L_soft, without knowledge injection, and none of the losses; each its own row and folder.")
    public var ablation = false
    @OptionGroup(title: "PRIMA stage 1 (prima)") public var knowledge: KnowledgeOptions
    @OptionGroup(title: "PRIMA stage 2 (prima, prima-alignment)") public var alignment: AlignmentOptions
    @OptionGroup(title: "PRIMA stage 3 (prima)") public var fusion: FusionOptions
    @Option(help: ArgumentHelp("Storage of every frozen Linear weight: DINOv3's and the text encoder's (under their LoRA adapters, in the baselines and in PRIMA's three stages) and stage 3's Qwen3. f32, or bf16: half their memory, a checkpoint's BF16 weights kept as stored; products still accumulate in float32, adapters, heads and optimiser state stay float32. Part of the run's settings: a run resumes only with the same choice.", valueName: "f32|bf16"))
    public var frozenWeights = "f32"
    @Option(help: ArgumentHelp("Precision of the products of every Linear layer in every model of the run, trainable ones and adapters included: f32 (exact), or bf16: inputs, float32 weights and output gradients rounded to bfloat16 with float32 accumulation, the counterpart of PyTorch's bf16 autocast (about twice as fast on CPUs with AVX-512 BF16 or AMX, slower elsewhere); parameters, gradients, optimiser state, norms, softmax and losses stay float32. Independent of --frozen-weights (storage). Part of the run's settings: a run resumes only with the same choice.", valueName: "f32|bf16"))
    public var linearProducts = "f32"
    @Option(parsing: .unconditional, help: "Seed of the folds, initialisation, shuffling, augmentation and synthetic data.") public var seed: UInt64 = 0
    @Option(help: ArgumentHelp("Folder of generated data (default $PRIMA_CACHE or ~/.cache/prima-swift).", valueName: "folder"))
    public var cacheDir: String?
    @Flag(help: "Let the dataset's metadata or manifest reach files outside --data-dir (.. paths, absolute paths, symbolic links leading out). Off by default: a dataset folder is not trusted to name other files.")
    public var allowOutsideDataDir = false
    @Flag(help: "Log every epoch through swift-log as well.") public var verbose = false
    @Flag(help: "Print no progress, only the results.") public var quiet = false

    /// The harness settings, writing to `output`.
    public func runOptions(output: String) -> RunOptions {
        var options = RunOptions(folds: folds, epochs: epochs, batchSize: batchSize, learningRate: learningRate,
                                 weightDecay: weightDecay, warmupRatio: warmupRatio, validationFraction: validationFraction,
                                 classWeighting: classWeighting, seed: seed,
                                 outputDirectory: URL(fileURLWithPath: output, isDirectory: true))
        // f32 is every layer's default: leaving the scope unset keeps the fingerprints of runs made before the option.
        options.linearProducts = linearProducts == "bf16" ? .bfloat16 : nil
        return options
    }

    /// The storage named by `--frozen-weights` (float32 for a name ``validate(output:dataDir:)`` refuses).
    public var frozenWeightPrecision: WeightPrecision { WeightPrecision(optionName: frozenWeights) ?? .float32 }

    /// Which files the dataset's own files may name (`--allow-outside-data-dir`).
    public var datasetPaths: DatasetPathPolicy { allowOutsideDataDir ? .allowOutsideRoot : .insideRoot }

    /// Checks the settings, the data folder and the checkpoint folders; one message naming the option on failure.
    public func validate(output: String, dataDir: String?) throws {
        // An empty path would silently mean the current folder.
        for (option, value) in [("--output", output), ("--data-dir", dataDir), ("--cache-dir", cacheDir),
                                ("--vision-checkpoint", visionCheckpoint), ("--text-checkpoint", textCheckpoint)] {
            if let value, value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ValidationError("\(option) must name a folder, got an empty path")
            }
        }
        guard WeightPrecision(optionName: frozenWeights) != nil else {
            throw ValidationError("--frozen-weights must be f32 or bf16, got '\(frozenWeights)'")
        }
        guard ["f32", "bf16"].contains(linearProducts) else {
            throw ValidationError("--linear-products must be f32 or bf16, got '\(linearProducts)'")
        }
        do {
            try runOptions(output: output).validate()
            if let dataDir { try RunOptions.validateDataDirectory(URL(fileURLWithPath: dataDir)) }
            if let visionCheckpoint { try RunOptions.validateCheckpointFolder(URL(fileURLWithPath: visionCheckpoint), option: "--vision-checkpoint") }
            if let textCheckpoint { try RunOptions.validateCheckpointFolder(URL(fileURLWithPath: textCheckpoint), option: "--text-checkpoint") }
            try alignment.settings(usingCheckpoints: visionCheckpoint != nil).validate()
            try knowledge.validate()
            try fusion.settings(seed: seed, frozenWeights: frozenWeightPrecision).validate()
        } catch let error as ExperimentError {
            throw ValidationError(error.message)
        }
    }

    /// The folder for generated data.
    public var cacheRoot: URL { cacheDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? DatasetCache.defaultRoot }

    /// Cross-validates the chosen baselines on `samples`, prints the tables, and writes everything to `output`.
    public func runBaselines(datasetName: String, samples: [DatasetSample], classNames: [String], schema: MetadataSchema,
                             output: String) throws {
        let options = runOptions(output: output)
        var harness = try CrossValidation(samples: samples, classNames: classNames, configuration: options.crossValidation)
        harness.processGroup = try ProcessGroup.current()   // mpirun: the folds are shared by the ranks
        if !quiet { harness.observer = ProgressPrinter().handle }
        let experiments = try BaselineChoice.experiments(
            baselines, schema: schema, samples: samples, settings: options.trainingSettings,
            visionCheckpoint: visionCheckpoint.map { URL(fileURLWithPath: $0, isDirectory: true) },
            textCheckpoint: textCheckpoint.map { URL(fileURLWithPath: $0, isDirectory: true) },
            seed: seed, appendMetadataVector: appendMetadataVector,
            alignment: try alignment.settings(usingCheckpoints: visionCheckpoint != nil),
            knowledge: knowledge.settings(usingCheckpoint: textCheckpoint != nil), knowledgeCorpus: knowledge.corpusURL,
            fusion: fusion.settings(seed: seed, frozenWeights: frozenWeightPrecision),
            ablations: ablation ? PRIMAVariant.ablations : [], frozenWeights: frozenWeightPrecision)
        let fields = schema.fields.filter { $0.text != nil || $0.inVector != false }.map(\.name)
        let suite = ExperimentSuite(datasetName: datasetName, harness: harness, missingMetadataFields: missingMetadata ? fields : nil)
        let (_, tables) = try suite.run(experiments)
        guard ProcessGroup.isReporter else { return }
        print(tables)
        if alignment.heatmaps > 0, let prima = experiments.first(where: { $0 is PRIMAAlignmentExperiment }) as? PRIMAAlignmentExperiment {
            let assignment = try harness.foldAssignment()
            let files = try prima.writeHeatmaps(count: alignment.heatmaps, samples: samples, assignment: assignment,
                                                runRoot: options.outputDirectory)
            print("Attention heatmaps (fold 1, held-out samples): \(files.map(\.lastPathComponent).joined(separator: ", "))")
        }
        print("Results, tables and plots: \(options.outputDirectory.path)")
    }

    /// Bootstraps logging (the executable's job, never the library's), runs `body`, and turns any error into
    /// one `error: …` line and a non-zero exit instead of a crash trace.
    public func run(_ body: () throws -> Void) throws {
        let level: Logger.Level = verbose ? .info : .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            try body()
        } catch {
            FileHandle.standardError.write(Data("error: \(ExperimentError.describe(error))\n".utf8))
            ProcessGroup.endJobAfterError()
            throw ExitCode.failure
        }
    }

    /// A progress note on standard error (suppressed by `--quiet`).
    public func note(_ text: String) {
        if !quiet { FileHandle.standardError.write(Data("\(text)\n".utf8)) }
    }
}

extension ExperimentOptions {
    /// The paragraph of both example tools' help that says what each method runs.
    public static let methodsOverview = """
        Baselines: image-only is DINOv3 with LoRA (rank 32 on q/k/v/o) and a linear head on the CLS token; \
        image-metadata adds the frozen text encoder's CLS of the metadata text and an MLP head. prima runs \
        the whole method: stage 1 once per run (the text encoder refined on the shipped knowledge corpus, or \
        on --knowledge-corpus), then per fold stage 2 (alignment and supervised step) on the training split and \
        stage 3 (the aligned \
        image and metadata features fused in a Qwen3 with LoRA that names the class); --ablation adds the rows \
        of the paper's ablation table. Without --vision-checkpoint / --text-checkpoint / --llm-checkpoint, small \
        DINOv3, BERT and Qwen3 configurations with seeded random weights are used (and tokenizers made in \
        code), so the run needs no download; their numbers show the pipeline works, not what pretrained \
        models reach.
        """
}
