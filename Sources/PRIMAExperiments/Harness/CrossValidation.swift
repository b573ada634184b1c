import Foundation
import Logging
import PRIMAData
import PRIMANN
import PRIMATensor

/// Runs a ``FoldExperiment`` over k patient-disjoint folds, the paper's protocol, and resumes stopped runs.
///
/// For each fold k: the other folds are the training data, less a validation split carved from them
/// (``ValidationSplit``: stratified, patient-disjoint, seeded); the trainer trains for
/// ``Configuration/epochs`` epochs; after each epoch the model is scored on the validation split and the
/// weights of the best epoch so far (highest validation macro F1, see ``EpochRecord/isBetter(than:)``) are
/// saved; at the end those weights are restored and evaluated on fold k.
///
/// Resuming: after every epoch the trainer's state (trainable weights, optimiser, scheduler, history) is
/// saved to the fold's checkpoint, and a finished fold's result to `result.json` (see ``RunDirectory``). Run
/// again with the same output folder, a run skips finished folds and continues an unfinished one from its
/// last epoch. The folds themselves are saved once in `folds.csv`, and the run's settings in `run.json`; a run
/// with other settings or other data is refused instead of mixed in.
///
/// Fold parallel: with a ``processGroup`` of several ranks (`mpirun -np 5`, `PRIMADistributed.MPICommunicator`),
/// rank r runs the folds k with k mod size = r, all in the same output folder: rank 0 takes the folder's lock and
/// writes `folds.csv` and `run.json`, the other ranks check them, each rank writes only its folds' folders, and at
/// the end every rank reads every fold's `result.json`, so all return the same result as a serial run.
public struct CrossValidation {
    /// The protocol's settings.
    public struct Configuration: Sendable {
        /// Number of folds k (at least 2).
        public var folds: Int
        /// Training epochs per fold (at least 1).
        public var epochs: Int
        /// The seed of the folds, the validation splits and everything a trainer draws.
        public var seed: UInt64
        /// Share of each fold's training groups kept for validation, in (0, 0.5].
        public var validationFraction: Double
        /// What must not be split across folds (and across training/validation): the patient by default.
        public var grouping: FoldAssignment.Grouping
        /// The output folder (created if needed).
        public var outputDirectory: URL
        /// Keep each finished fold's best weights (`best.safetensors`); the epoch checkpoint is always removed.
        public var keepBestWeights: Bool
        /// An epoch whose mean training loss is above this factor × ln K (the loss of a uniform guess over K
        /// classes) stops the run as diverged, as a non-finite loss always does; nil keeps only the latter (set
        /// it to nil for a trainer whose loss is not a K-class cross-entropy).
        /// Training starts near ln K; a mean of 10 × ln K (the default) gives the true class a probability of
        /// K⁻¹⁰ on average, which no healthy run reaches.
        public var divergenceLossFactor: Double? = 10
        /// The precision of every linear layer's products while the run trains and evaluates
        /// (`withLinearProducts(_:_:)`): `.bfloat16` is the package's counterpart of PyTorch's bf16 autocast,
        /// `.float32` exact; nil (the default) leaves each layer's own setting. A choice other than nil is part of
        /// the run's settings (`run.linear_products`), so a run resumes only with the same one.
        public var linearProducts: BFloat16Products? = nil

        /// Five folds, 20% validation, patient grouping.
        public init(folds: Int = 5, epochs: Int, seed: UInt64 = 0, validationFraction: Double = 0.2,
                    grouping: FoldAssignment.Grouping = .patient, outputDirectory: URL, keepBestWeights: Bool = true) {
            self.folds = folds
            self.epochs = epochs
            self.seed = seed
            self.validationFraction = validationFraction
            self.grouping = grouping
            self.outputDirectory = outputDirectory
            self.keepBestWeights = keepBestWeights
        }
    }

    /// The samples, one per lesion or patient.
    public let samples: [DatasetSample]
    /// Class names, indexed by label.
    public let classNames: [String]
    /// The protocol's settings.
    public let configuration: Configuration
    /// Where the harness logs (info: folds and epochs; debug: steps). Never bootstrapped here.
    public var logger: Logger
    /// Receives every ``ProgressEvent`` (a ``ProgressPrinter``, for example).
    public var observer: ((ProgressEvent) -> Void)?
    /// Called after each event has been reported (and its files written); returning true stops the run with
    /// ``ExperimentError/Kind-swift.enum/interrupted``, as if the process had been killed there. For tests and
    /// for callers that stop on a signal.
    public var interruption: ((ProgressEvent) -> Bool)?
    /// The processes sharing the folds (one process by default): see "Fold parallel" above. Every rank must run
    /// the same experiments with the same settings on the same data and output folder.
    public var processGroup: any DataParallelCommunicator = SingleProcessCommunicator()

    /// A harness over `samples`.
    /// - Throws: ``ExperimentError`` `.invalidOption` for bad settings or labels outside the classes.
    public init(samples: [DatasetSample], classNames: [String], configuration: Configuration,
                logger: Logger = Logger(label: "PRIMAExperiments.CrossValidation")) throws {
        guard configuration.folds >= 2 else { throw ExperimentError(.invalidOption, "need at least 2 folds, got \(configuration.folds)") }
        guard configuration.epochs >= 1 else { throw ExperimentError(.invalidOption, "need at least 1 epoch, got \(configuration.epochs)") }
        guard configuration.validationFraction > 0, configuration.validationFraction <= 0.5 else {
            throw ExperimentError(.invalidOption, "the validation fraction must be in (0, 0.5], got \(configuration.validationFraction)")
        }
        guard !classNames.isEmpty else { throw ExperimentError(.invalidOption, "no classes") }
        if let bad = samples.first(where: { !classNames.indices.contains($0.label) }) {
            throw ExperimentError(.invalidOption, "sample '\(bad.id)' has label \(bad.label), outside the \(classNames.count) classes")
        }
        self.samples = samples
        self.classNames = classNames
        self.configuration = configuration
        self.logger = logger
        try checkClassCoverage()
    }

    /// Checked before anything is written: no samples, or a class without samples (its F1 would count as 0 in
    /// the macro F1 of every fold), is an error.
    private func checkClassCoverage() throws {
        guard !samples.isEmpty else { throw ExperimentError(.invalidOption, "the dataset has no samples") }
        let counts = samples.reduce(into: [Int](repeating: 0, count: classNames.count)) { $0[$1.label] += 1 }
        let empty = classNames.indices.filter { counts[$0] == 0 }.map { "'\(classNames[$0])'" }
        guard empty.isEmpty else {
            throw ExperimentError(.invalidOption, "class \(empty.joined(separator: ", ")) has no samples (of \(samples.count)); its F1 of 0 would be counted into the macro F1. Add samples of it or leave it out of the classes")
        }
    }

    /// Classes with fewer patients (or samples, with `FoldAssignment/Grouping/sample`) than folds: some test
    /// folds will have none of them, and those folds' F1 for the class is 0 however good the model is. Run
    /// logs each as a warning before training; empty when every class can reach every fold.
    public var coverageWarnings: [String] {
        let groups = samples.reduce(into: [Set<String>](repeating: [], count: classNames.count)) {
            $0[$1.label].insert(configuration.grouping == .patient ? $1.patientID : $1.id)
        }
        let unit = configuration.grouping == .patient ? "patients" : "samples"
        return classNames.indices.filter { groups[$0].count < configuration.folds }.map {
            "class '\(classNames[$0])' has \(groups[$0].count) \(unit), fewer than the \(configuration.folds) folds: some test folds have none of it and score its F1 as 0, which lowers their macro F1"
        }
    }

    /// The fold of every sample: read from the output folder's `folds.csv` if a run wrote it, else computed
    /// (stratified group k-fold) and written there.
    /// - Throws: ``ExperimentError`` when the saved folds do not match the data or the samples cannot fill k folds.
    public func foldAssignment() throws -> FoldAssignment {
        try RunDirectory.createDirectory(configuration.outputDirectory)
        let url = RunDirectory.foldsFile(in: configuration.outputDirectory)
        do {
            let assignment = try FoldAssignment.loadOrCreate(at: url, samples: samples, folds: configuration.folds,
                                                             seed: configuration.seed, groupBy: configuration.grouping)
            guard assignment.foldCount == configuration.folds else {
                throw ExperimentError(.incompatibleRun, "\(url.path) holds \(assignment.foldCount) folds but \(configuration.folds) were asked for; use another output folder or delete it")
            }
            return assignment
        } catch let error as DataError {
            throw ExperimentError(error.kind == .invalidArgument ? .invalidOption : .incompatibleRun,
                                  "folds: \(error.description)" + (FileManager.default.fileExists(atPath: url.path)
                                      ? " (saved in \(url.path); use another output folder or delete it)" : ""))
        }
    }

    /// Runs (or resumes) every fold of `experiment` and returns the per-fold results with their summary.
    /// - Throws: ``ExperimentError`` (bad settings, a run folder of another run or in use by another process,
    ///   divergence, interruption), or the trainer's errors (unreadable images, for example).
    public func run(_ experiment: some FoldExperiment) throws -> CrossValidationResult {
        try inProductsScope { try runInScope(experiment) }
    }

    /// `body` inside the configuration's ``Configuration/linearProducts`` scope, if it sets one.
    func inProductsScope<R>(_ body: () throws -> R) rethrows -> R {
        guard let products = configuration.linearProducts else { return try body() }
        return try withLinearProducts(products, body)
    }

    private func runInScope(_ experiment: some FoldExperiment) throws -> CrossValidationResult {
        let group = processGroup
        let folderExisted = FileManager.default.fileExists(atPath: configuration.outputDirectory.path)
        var lock: RunLock?
        defer { withExtendedLifetime(lock) {} }
        var finished = false
        // A run refused before writing anything (folds that cannot be made) leaves no folder holding only its lock.
        defer { if !finished && !folderExisted && lock != nil { RunDirectory.removeIfOnlyLock(configuration.outputDirectory) } }
        let directory = RunDirectory(root: configuration.outputDirectory, experiment: experiment.name)
        let settings = runSettings(of: experiment)
        var assignment: FoldAssignment?
        // Ranks started with other options or data would mix their folds into one table: refuse before writing.
        try group.checkSameSettings(settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
                                        + "\noutput=\(configuration.outputDirectory.standardizedFileURL.path)",
                                    what: "the run settings of '\(experiment.name)' (options, data or output folder)")
        // Rank 0 takes the lock and writes folds.csv and run.json (or checks a resumed run's) before the other
        // ranks read and check them; a failure on any rank stops every rank here.
        try group.allSucceed("preparing \(configuration.outputDirectory.path)") {
            guard group.rank == 0 else { return }
            try RunDirectory.createDirectory(configuration.outputDirectory)
            lock = try RunLock(directory: configuration.outputDirectory)
            RunDirectory.removeStaleTemporaryFiles(under: configuration.outputDirectory)
            for warning in coverageWarnings { logger.warning("\(warning)", metadata: ["experiment": "\(experiment.name)"]) }
            assignment = try foldAssignment()
            try checkOrWriteSettings(settings, in: directory)
        }
        try group.allSucceed("checking \(configuration.outputDirectory.path)") {
            guard group.rank != 0 else { return }
            assignment = try foldAssignment()
            try checkOrWriteSettings(settings, in: directory)
        }

        // Once-per-run stages (stage 1): rank 0 runs them while the others wait (no timeout: they take long), then
        // the other ranks find them complete and read their outputs.
        var runOutputs: [String: URL] = [:]
        try group.withoutTimeout {
            try group.allSucceed("running the once-per-run stages") {
                guard group.rank == 0 else { return }
                runOutputs = try runStages(of: experiment, directory: directory)
            }
        }
        try group.allSucceed("reading the once-per-run stages") {
            guard group.rank != 0 else { return }
            runOutputs = try runStages(of: experiment, directory: directory)
        }

        var eta = ETAEstimator()
        var results: [FoldResult] = []
        var stepsPerEpoch: Int?
        let outcome = Result {
            try runFolds(of: experiment, assignment: assignment!, directory: directory, runOutputs: runOutputs, eta: &eta, stepsPerEpoch: &stepsPerEpoch, into: &results)
        }
        // Ranks finish their folds hours apart: wait for all, then every rank reads every fold's result.
        if group.size > 1 {
            try group.withoutTimeout { try group.allSucceed("running the folds") { try outcome.get() } }
            results = try (0..<configuration.folds).map { try RunDirectory.readJSON(FoldResult.self, from: directory.resultFile($0)) }
        } else {
            try outcome.get()
        }
        finished = true
        return CrossValidationResult(experiment: experiment.name, title: experiment.title, classNames: classNames,
                                     settings: settings, folds: results)
    }

    /// Runs (or skips, when finished) the folds of this rank of ``processGroup``, appending their results.
    private func runFolds(of experiment: some FoldExperiment, assignment: FoldAssignment, directory: RunDirectory,
                          runOutputs: [String: URL], eta: inout ETAEstimator, stepsPerEpoch: inout Int?, into results: inout [FoldResult]) throws {
        for k in 0..<configuration.folds where k % processGroup.size == processGroup.rank {
            let position = FoldPosition(experiment: experiment.name, fold: k, foldCount: configuration.folds)
            if FileManager.default.fileExists(atPath: directory.resultFile(k).path) {
                results.append(try RunDirectory.readJSON(FoldResult.self, from: directory.resultFile(k)))
                logger.info("fold \(k + 1)/\(configuration.folds) already complete", metadata: ["experiment": "\(experiment.name)"])
                try report(.foldSkipped(position))
                continue
            }
            let context = try foldContext(k, assignment: assignment, directory: directory)
            var runner = FoldRunner(harness: self, experiment: experiment, context: context, position: position,
                                    directory: directory,
                                    foldsLeftAfter: ((k + 1)..<configuration.folds).filter { $0 % processGroup.size == processGroup.rank }.count)
            runner.runOutputs = runOutputs
            let result = try runner.run(eta: &eta, stepsPerEpoch: &stepsPerEpoch)
            results.append(result)
        }
    }

    /// Runs (or finds complete) the experiment's ``RunStage``s when a fold is still to be trained; their outputs by name.
    private func runStages(of experiment: some FoldExperiment, directory: RunDirectory) throws -> [String: URL] {
        guard let staged = experiment as? any StagedFoldExperiment, !staged.runStages.isEmpty,
              (0..<configuration.folds).contains(where: { !FileManager.default.fileExists(atPath: directory.resultFile($0).path) })
        else { return [:] }
        let name = experiment.name
        return try RunStageRunner(stages: staged.runStages, root: configuration.outputDirectory).run(
            onStart: { stage in
                logger.info("run stage started", metadata: ["experiment": "\(name)", "stage": "\(stage)"])
                try report(.runStageStarted(experiment: name, stage: stage))
            },
            onEpoch: { stage, record in try report(.runStageEpochFinished(experiment: name, stage: stage, record: record)) },
            onFinish: { record, skipped in
                logger.info(skipped ? "run stage already complete" : "run stage finished",
                            metadata: ["experiment": "\(name)", "stage": "\(record.stage)"])
                try report(.runStageFinished(experiment: name, record: record, skipped: skipped))
            })
    }

    /// Reports `event` to the observer, then asks ``interruption`` whether to stop.
    func report(_ event: ProgressEvent) throws {
        observer?(event)
        if interruption?(event) == true {
            throw ExperimentError(.interrupted, "the run was interrupted; start it again with the same output folder to continue")
        }
    }

    /// The three splits of fold k (and its folder in `directory`'s run).
    func foldContext(_ k: Int, assignment: FoldAssignment, directory: RunDirectory? = nil) throws -> FoldContext {
        let (trainAll, test) = assignment.split(k)
        let pool = trainAll.map { samples[$0] }
        let (train, validation) = try ValidationSplit.split(pool, fraction: configuration.validationFraction,
                                                            seed: Self.mix(configuration.seed, UInt64(k), 0x5641_4C)
                                                            , grouping: configuration.grouping)
        return FoldContext(fold: k, foldCount: configuration.folds, train: train.map { pool[$0] },
                           validation: validation.map { pool[$0] }, test: test.map { samples[$0] },
                           classNames: classNames, epochs: configuration.epochs, seed: Self.mix(configuration.seed, UInt64(k)),
                           directory: directory?.foldDirectory(k))
    }

    /// The experiment's fingerprint plus the run's own settings and a digest of the data.
    func runSettings(of experiment: some FoldExperiment) -> [String: String] {
        var settings = experiment.fingerprint
        if let staged = experiment as? any StagedFoldExperiment {
            for stage in staged.runStages {
                for (key, value) in stage.fingerprint { settings["run_stage.\(stage.name).\(key)"] = value }
            }
            for stage in staged.stages {
                for (key, value) in stage.fingerprint { settings["stage.\(stage.name).\(key)"] = value }
            }
        }
        settings["run.folds"] = String(configuration.folds)
        settings["run.epochs"] = String(configuration.epochs)
        settings["run.seed"] = String(configuration.seed)
        settings["run.validation_fraction"] = String(configuration.validationFraction)
        settings["run.grouping"] = configuration.grouping == .patient ? "patient" : "sample"
        settings["run.samples"] = String(samples.count)
        settings["run.data_digest"] = String(Self.digest(samples), radix: 16)
        settings["run.classes"] = classNames.joined(separator: ",")
        if let products = configuration.linearProducts { settings["run.linear_products"] = products.rawValue }
        return settings
    }

    /// Writes `settings` to `run.json`, or checks them against the saved ones.
    func checkOrWriteSettings(_ settings: [String: String], in directory: RunDirectory) throws {
        try RunDirectory.createDirectory(directory.experimentDirectory)
        guard FileManager.default.fileExists(atPath: directory.settingsFile.path) else {
            try RunDirectory.writeJSON(settings, to: directory.settingsFile)
            return
        }
        let saved = try RunDirectory.readJSON([String: String].self, from: directory.settingsFile)
        let differences = Set(saved.keys).union(settings.keys).sorted().filter { saved[$0] != settings[$0] }
        guard differences.isEmpty else {
            let list = differences.map { "\($0): saved \(saved[$0] ?? "—"), now \(settings[$0] ?? "—")" }.joined(separator: "; ")
            throw ExperimentError(.incompatibleRun, "\(directory.experimentDirectory.path) holds a run with other settings (\(list)); use another output folder, or delete this one to start over")
        }
    }

    /// An FNV-1a digest of the samples' ids, patients and labels: detects a run folder of other data.
    static func digest(_ samples: [DatasetSample]) -> UInt64 {
        var digest = ContentDigest()
        for s in samples { digest.add("\(s.id)|\(s.patientID)|\(s.label);") }
        return digest.value
    }

    /// A seed from several numbers, so that nearby folds get unrelated streams.
    static func mix(_ values: UInt64...) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for v in values {
            h = (h ^ v) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
        }
        return h
    }
}
