import PRIMAData

/// What one epoch of a fold did: its training loss and how the model did on the validation split.
public struct EpochRecord: Sendable, Codable, Equatable {
    /// The epoch, 0-based.
    public let epoch: Int
    /// Mean training loss over the epoch's steps (class-weighted if the experiment weights classes).
    public let trainLoss: Double
    /// Mean (unweighted) cross-entropy on the validation split.
    public let validationLoss: Double
    /// Macro F1 on the validation split: the criterion that picks the best epoch.
    public let validationMacroF1: Double
    /// Accuracy on the validation split.
    public let validationAccuracy: Double
    /// Balanced accuracy on the validation split.
    public let validationBalancedAccuracy: Double
    /// The epoch's mean training losses by name, for trainers that optimise several
    /// (``FoldTrainer/lastEpochLosses``); empty for a single loss, which is ``trainLoss``. Absent from files
    /// written before it existed, which read back as empty.
    public let trainLosses: [String: Double]

    /// A record from its values.
    public init(epoch: Int, trainLoss: Double, validationLoss: Double, validationMacroF1: Double,
                validationAccuracy: Double, validationBalancedAccuracy: Double, trainLosses: [String: Double] = [:]) {
        self.trainLosses = trainLosses
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.validationMacroF1 = validationMacroF1
        self.validationAccuracy = validationAccuracy
        self.validationBalancedAccuracy = validationBalancedAccuracy
    }

    private enum CodingKeys: String, CodingKey {
        case epoch, trainLoss, validationLoss, validationMacroF1, validationAccuracy, validationBalancedAccuracy, trainLosses
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = try c.decode(Int.self, forKey: .epoch)
        trainLoss = try c.decode(Double.self, forKey: .trainLoss)
        validationLoss = try c.decode(Double.self, forKey: .validationLoss)
        validationMacroF1 = try c.decode(Double.self, forKey: .validationMacroF1)
        validationAccuracy = try c.decode(Double.self, forKey: .validationAccuracy)
        validationBalancedAccuracy = try c.decode(Double.self, forKey: .validationBalancedAccuracy)
        trainLosses = try c.decodeIfPresent([String: Double].self, forKey: .trainLosses) ?? [:]
    }

    /// Whether this epoch beats `other` as a checkpoint: higher validation macro F1, ties broken by lower
    /// validation loss (an exact tie keeps the earlier epoch).
    public func isBetter(than other: EpochRecord) -> Bool {
        if validationMacroF1 != other.validationMacroF1 { return validationMacroF1 > other.validationMacroF1 }
        return validationLoss < other.validationLoss
    }

    /// The best epoch of `history` by ``isBetter(than:)`` (the earliest among equals).
    public static func best(of history: [EpochRecord]) -> EpochRecord? {
        history.reduce(nil) { best, record in best.map { record.isBetter(than: $0) ? record : $0 } ?? record }
    }
}

/// One fold's outcome: the test predictions of the best epoch's weights, their metrics and the training
/// history.
public struct FoldResult: Sendable, Codable, Equatable {
    /// The fold, 0-based.
    public let fold: Int
    /// The epoch whose weights were evaluated (best validation macro F1).
    public let bestEpoch: Int
    /// Sizes of the training, validation and test splits.
    public let trainCount, validationCount, testCount: Int
    /// The test samples' ids, in order.
    public let sampleIDs: [String]
    /// The test samples' patients, in the order of ``sampleIDs``; nil in files written before it was recorded
    /// (``CrossValidation`` then looks the patients up in its samples).
    public let patientIDs: [String]?
    /// The test samples' true classes.
    public let labels: [Int]
    /// The predicted classes (arg-max of the probabilities).
    public let predictions: [Int]
    /// Softmax probabilities [N][K] of the test samples, in the order of ``sampleIDs``: the softmax of the
    /// logits the experiment's ``FoldTrainer/predict(_:)`` returns for the best epoch's weights. Every
    /// experiment gets them from the harness; `predictions.csv` lists them per sample.
    public let probabilities: [[Double]]
    /// Test metrics.
    public let report: ClassificationReport
    /// Macro one-vs-rest AUC on the test fold, `nil` where undefined (a class absent from the fold).
    public let macroAUC: Double?
    /// Every epoch's training loss and validation metrics.
    public let history: [EpochRecord]
    /// The fold's earlier stages (``StagedFoldExperiment``): their training histories and held-out metrics
    /// before and after each; nil for a single-stage experiment (and in files written before stages existed).
    public let stages: [StageRecord]?

    /// A result from its parts.
    public init(fold: Int, bestEpoch: Int, trainCount: Int, validationCount: Int, testCount: Int, sampleIDs: [String],
                patientIDs: [String]? = nil, labels: [Int], predictions: [Int], probabilities: [[Double]],
                report: ClassificationReport, macroAUC: Double?, history: [EpochRecord], stages: [StageRecord]? = nil) {
        precondition(patientIDs.map { $0.count == sampleIDs.count } ?? true, "one patient per test sample")
        self.patientIDs = patientIDs
        self.stages = stages
        self.fold = fold
        self.bestEpoch = bestEpoch
        self.trainCount = trainCount
        self.validationCount = validationCount
        self.testCount = testCount
        self.sampleIDs = sampleIDs
        self.labels = labels
        self.predictions = predictions
        self.probabilities = probabilities
        self.report = report
        self.macroAUC = macroAUC
        self.history = history
    }
}

/// A whole cross-validation of one experiment: each fold's result and the paper's summary over folds.
public struct CrossValidationResult: Sendable, Codable, Equatable {
    /// The experiment's ``FoldExperiment/name``.
    public let experiment: String
    /// The experiment's ``FoldExperiment/title``.
    public let title: String
    /// The class names, indexed by label.
    public let classNames: [String]
    /// The experiment's settings (``FoldExperiment/fingerprint``) and the run's (folds, epochs, seed, …).
    public let settings: [String: String]
    /// The folds, in order.
    public let folds: [FoldResult]
    /// Macro F1, accuracy, balanced accuracy (and macro AUC where defined) as mean (SD) over folds.
    public let summary: FoldSummary
    /// Each class's F1 as mean (SD) over folds.
    public let perClassF1: [MeanSD]
    /// The test confusion matrices summed over folds, `[true][predicted]`.
    public let confusion: [[Int]]

    /// Summarises the folds (SD with ddof 0, as numpy and scikit-learn report).
    public init(experiment: String, title: String, classNames: [String], settings: [String: String], folds: [FoldResult]) {
        precondition(!folds.isEmpty, "a cross-validation result needs at least one fold")
        self.experiment = experiment
        self.title = title
        self.classNames = classNames
        self.settings = settings
        self.folds = folds
        summary = FoldSummary(reports: folds.map(\.report), macroAUCs: folds.map(\.macroAUC))
        perClassF1 = classNames.indices.map { c in MeanSD(folds.map { $0.report.f1[c] }) }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classNames.count), count: classNames.count)
        for fold in folds {
            for t in classNames.indices { for p in classNames.indices { confusion[t][p] += fold.report.confusion[t][p] } }
        }
        self.confusion = confusion
    }
}
