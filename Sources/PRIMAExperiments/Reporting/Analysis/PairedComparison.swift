import PRIMAData

/// One method against another on the same cross-validation folds: the per-fold differences of one metric,
/// their mean and SD, a paired t-test and an exact Wilcoxon signed-rank test across the folds.
///
/// A difference is `method − reference`, so a positive mean says the method scored higher. Fold k of both
/// results must hold the same test samples (experiments of one output folder share its `folds.csv`).
public struct PairedComparison: Sendable, Equatable, Codable {
    /// The metrics compared.
    public enum Metric: String, Sendable, Codable, CaseIterable {
        /// Macro F1 (the paper's main metric).
        case macroF1 = "macro_f1"
        /// Accuracy.
        case accuracy
        /// Balanced accuracy.
        case balancedAccuracy = "balanced_accuracy"

        /// A readable name.
        public var title: String {
            switch self {
            case .macroF1: "Macro F1"
            case .accuracy: "Accuracy"
            case .balancedAccuracy: "Balanced acc."
            }
        }

        /// The metric of one fold's test report.
        public func value(_ report: ClassificationReport) -> Double {
            switch self {
            case .macroF1: report.macroF1
            case .accuracy: report.accuracy
            case .balancedAccuracy: report.balancedAccuracy
            }
        }
    }

    /// The reference experiment's name and title (the one subtracted).
    public let reference, referenceTitle: String
    /// The compared experiment's name and title.
    public let method, methodTitle: String
    /// The metric.
    public let metric: Metric
    /// Per fold, in fold order: the method's metric minus the reference's (fractions, not percent).
    public let differences: [Double]
    /// The mean difference.
    public let mean: Double
    /// The sample SD of the differences (ddof 1, the one the t-test uses); nil for a single fold.
    public let sd: Double?
    /// The paired t-test across folds.
    public let tTest: PairedTests.TTest
    /// The exact Wilcoxon signed-rank test across folds.
    public let wilcoxon: PairedTests.Wilcoxon

    /// `method` against `reference` on `metric`.
    /// - Throws: ``ExperimentError`` `.incompatibleRun` when the two were not run on the same folds.
    public init(_ method: CrossValidationResult, against reference: CrossValidationResult, metric: Metric) throws {
        try Self.checkSameFolds(method, reference)
        self.reference = reference.experiment
        referenceTitle = reference.title
        self.method = method.experiment
        methodTitle = method.title
        self.metric = metric
        differences = zip(method.folds, reference.folds).map { metric.value($0.report) - metric.value($1.report) }
        let summary = MeanSD(differences, ddof: 1)
        mean = summary.mean
        sd = differences.count > 1 ? summary.sd : nil
        tTest = PairedTests.tTest(differences)
        wilcoxon = PairedTests.wilcoxon(differences)
    }

    /// Every metric for every later result against the first (the reference row of the table), then every
    /// other pair (j against i for i < j), when `allPairs`.
    /// - Throws: ``ExperimentError`` `.incompatibleRun` when two results were not run on the same folds.
    public static func comparisons(_ results: [CrossValidationResult], allPairs: Bool = true) throws -> [PairedComparison] {
        guard results.count >= 2 else { return [] }
        var pairs: [(Int, Int)] = (1..<results.count).map { (0, $0) }
        if allPairs {
            for i in 1..<results.count { for j in (i + 1)..<results.count { pairs.append((i, j)) } }
        }
        return try pairs.flatMap { i, j in try Metric.allCases.map { try PairedComparison(results[j], against: results[i], metric: $0) } }
    }

    /// Fold by fold, the same test samples.
    static func checkSameFolds(_ a: CrossValidationResult, _ b: CrossValidationResult) throws {
        guard a.folds.count == b.folds.count else {
            throw ExperimentError(.incompatibleRun, "'\(a.experiment)' has \(a.folds.count) folds and '\(b.experiment)' \(b.folds.count); paired differences need the same folds")
        }
        for (x, y) in zip(a.folds, b.folds) where x.fold != y.fold || Set(x.sampleIDs) != Set(y.sampleIDs) {
            throw ExperimentError(.incompatibleRun, "fold \(x.fold + 1) of '\(a.experiment)' and fold \(y.fold + 1) of '\(b.experiment)' hold different test samples; paired differences need the same folds (one output folder)")
        }
    }
}
