import Foundation
import PRIMAData

/// The report files of a comparison beside `results.json` and `results.csv`:
///
/// ```
/// summary.md               Table 1 (per-class F1, macro F1, accuracy, balanced accuracy as mean (SD)), the paired
///                          differences, calibration and, when run, the missing-metadata table, in Markdown
/// summary.csv              Table 1, one row per method (means and SDs as fractions) with its ECE
/// summary.json             all of it, machine-readable (ResultsFiles.Summary)
/// paired-differences.csv   per-fold differences, mean, SD, t-test and Wilcoxon for every pair of methods
/// calibration.csv          every method's reliability-diagram bins
/// predictions.csv          one row per test sample and method: fold, true and predicted class, probabilities
/// ```
extension ResultsFiles {
    /// Everything the summary files hold, as written to `summary.json`.
    public struct Summary: Codable, Sendable, Equatable {
        /// One method's row of Table 1 and its calibration.
        public struct Method: Codable, Sendable, Equatable {
            /// The experiment's name and title.
            public let experiment, title: String
            /// Each class's F1, mean (SD) over folds, in class order.
            public let perClassF1: [MeanSD]
            /// Macro F1, accuracy, balanced accuracy (and macro AUC where defined), mean (SD) over folds.
            public let summary: FoldSummary
            /// Calibration of the pooled test predictions.
            public let calibration: Calibration
        }

        /// The dataset's name.
        public let dataset: String
        /// The class names, in label order.
        public let classNames: [String]
        /// Number of folds.
        public let foldCount: Int
        /// The methods, in table order (the first is the reference of the paired differences).
        public let methods: [Method]
        /// Every metric for every pair of methods.
        public let paired: [PairedComparison]
        /// The missing-metadata analysis of the methods it ran for; empty when it did not run.
        public let missingMetadata: [MissingMetadataReport]

        /// The summary of `results` (all on the same folds and classes).
        /// - Throws: ``ExperimentError`` `.incompatibleRun` when two results were not run on the same folds.
        public init(dataset: String, results: [CrossValidationResult], missingMetadata: [MissingMetadataReport] = []) throws {
            self.dataset = dataset
            classNames = results.first?.classNames ?? []
            foldCount = results.first?.folds.count ?? 0
            methods = try results.map { Method(experiment: $0.experiment, title: $0.title, perClassF1: $0.perClassF1,
                                               summary: $0.summary, calibration: try $0.calibration()) }
            paired = try PairedComparison.comparisons(results)
            self.missingMetadata = missingMetadata
        }
    }

    /// Writes `summary.md`, `summary.csv`, `summary.json`, `paired-differences.csv`, `calibration.csv` and
    /// `predictions.csv` of `results` into `directory`.
    /// - Parameters:
    ///   - dataset: the dataset's name, for the titles.
    ///   - results: the methods, in table order (all on the same folds).
    ///   - patients: the patient of each sample id, for results written before ``FoldResult/patientIDs`` existed.
    ///   - missingMetadata: the missing-metadata reports to include.
    ///   - directory: the output folder.
    /// - Returns: the summary written.
    /// - Throws: ``ExperimentError`` for results of other folds, a sample whose patient is unknown, or a file
    ///   that cannot be written.
    @discardableResult
    public static func writeSummary(dataset: String, results: [CrossValidationResult], patients: [String: String] = [:],
                                    missingMetadata: [MissingMetadataReport] = [], to directory: URL) throws -> Summary {
        try RunDirectory.createDirectory(directory)
        let summary = try Summary(dataset: dataset, results: results, missingMetadata: missingMetadata)
        try RunDirectory.writeJSON(summary, to: directory.appendingPathComponent("summary.json"))
        try writeText(try markdown(summary, results: results), to: directory.appendingPathComponent("summary.md"))
        try writeCSV(header: summaryCSVHeader(classNames: summary.classNames), rows: summaryCSVRows(summary),
                     to: directory.appendingPathComponent("summary.csv"))
        try writeCSV(header: pairedCSVHeader(foldCount: summary.foldCount), rows: summary.paired.map(pairedCSVRow),
                     to: directory.appendingPathComponent("paired-differences.csv"))
        try writeCSV(header: calibrationCSVHeader, rows: summary.methods.flatMap(calibrationCSVRows),
                     to: directory.appendingPathComponent("calibration.csv"))
        try writePredictions(results, patients: patients, to: directory.appendingPathComponent("predictions.csv"))
        return summary
    }

    /// The Markdown report: Table 1, the paired differences, calibration, and the missing-metadata tables.
    /// - Throws: ``ExperimentError`` for a result whose predictions are damaged (see ``CrossValidationResult/calibration()``).
    public static func markdown(_ summary: Summary, results: [CrossValidationResult]) throws -> String {
        var sections = ["# \(summary.dataset)"]
        if let table = ResultsTable.comparisonTable(results) { sections += ["## Results", table.markdown] }
        if let table = ResultsTable.pairedTable(summary.paired) { sections += ["## Paired differences", table.markdown] }
        if let table = try ResultsTable.calibrationTable(results) { sections += ["## Calibration", table.markdown] }
        if !summary.missingMetadata.isEmpty {
            sections.append("## Missing metadata at test time")
            sections += summary.missingMetadata.map { ResultsTable.missingMetadataTable($0).markdown }
        }
        return sections.joined(separator: "\n\n") + "\n"
    }

    /// `summary.csv` columns: the experiment, each class's F1 mean and SD, the three summary metrics' means and
    /// SDs, macro AUC, ECE (fractions in [0, 1]).
    public static func summaryCSVHeader(classNames: [String]) -> [String] {
        ["experiment", "title"] + classNames.flatMap { ["f1_\($0)_mean", "f1_\($0)_sd"] }
            + ["macro_f1_mean", "macro_f1_sd", "accuracy_mean", "accuracy_sd", "balanced_accuracy_mean", "balanced_accuracy_sd",
               "macro_auc_mean", "macro_auc_sd", "ece", "folds"]
    }

    static func summaryCSVRows(_ summary: Summary) -> [[String]] {
        summary.methods.map { m in
            let s = m.summary
            return [m.experiment, m.title] + m.perClassF1.flatMap { [number($0.mean), number($0.sd)] }
                + [number(s.macroF1.mean), number(s.macroF1.sd), number(s.accuracy.mean), number(s.accuracy.sd),
                   number(s.balancedAccuracy.mean), number(s.balancedAccuracy.sd), number(s.macroAUC?.mean), number(s.macroAUC?.sd),
                   number(m.calibration.expectedCalibrationError), String(summary.foldCount)]
        }
    }

    /// `paired-differences.csv` columns.
    public static func pairedCSVHeader(foldCount: Int) -> [String] {
        ["reference", "method", "metric"] + (1...max(1, foldCount)).map { "difference_fold_\($0)" }
            + ["mean", "sd", "t_statistic", "t_df", "t_p", "wilcoxon_positive_rank_sum", "wilcoxon_n", "wilcoxon_p"]
    }

    static func pairedCSVRow(_ c: PairedComparison) -> [String] {
        [c.reference, c.method, c.metric.rawValue] + c.differences.map { number($0) }
            + [number(c.mean), number(c.sd), number(c.tTest.statistic), String(c.tTest.degreesOfFreedom), number(c.tTest.pValue),
               number(c.wilcoxon.positiveRankSum), String(c.wilcoxon.count), number(c.wilcoxon.pValue)]
    }

    /// `calibration.csv` columns: one row per method and confidence bin.
    public static let calibrationCSVHeader = ["experiment", "bin", "lower", "upper", "count", "mean_confidence", "accuracy"]

    static func calibrationCSVRows(_ method: Summary.Method) -> [[String]] {
        method.calibration.bins.enumerated().map { b, bin in
            [method.experiment, String(b + 1), number(bin.lower), number(bin.upper), String(bin.count), number(bin.meanConfidence),
             number(bin.accuracy)]
        }
    }

    /// `predictions.csv` columns: `sample_id, patient_id, fold` (1-based), `method` (the experiment's name),
    /// `true_class, predicted_class`, then `p_<class>` for each class.
    public static func predictionsCSVHeader(classNames: [String]) -> [String] {
        ["sample_id", "patient_id", "fold", "method", "true_class", "predicted_class"] + classNames.map { "p_\($0)" }
    }

    /// One row per test sample of every fold of `result`.
    /// - Throws: ``ExperimentError`` `.io` when a sample's patient is neither recorded nor in `patients`, or the
    ///   result's rows do not fit together (a damaged file).
    public static func predictionRows(_ result: CrossValidationResult, patients: [String: String] = [:]) throws -> [[String]] {
        try result.checkPredictionRows()
        return try result.folds.flatMap { fold in
            try fold.sampleIDs.indices.map { i in
                let id = fold.sampleIDs[i]
                guard let patient = fold.patientIDs?[i] ?? patients[id] else {
                    throw ExperimentError(.io, "'\(result.experiment)' fold \(fold.fold + 1): the patient of test sample '\(id)' is not recorded (a result written before patients were) and not in the dataset")
                }
                return [id, patient, String(fold.fold + 1), result.experiment, result.classNames[fold.labels[i]],
                        result.classNames[fold.predictions[i]]] + fold.probabilities[i].map { String(format: "%.6f", $0) }
            }
        }
    }

    /// Writes `predictions.csv` of `results` (one block per method, in order).
    public static func writePredictions(_ results: [CrossValidationResult], patients: [String: String] = [:], to url: URL) throws {
        guard let first = results.first else { return }
        try writeCSV(header: predictionsCSVHeader(classNames: first.classNames),
                     rows: try results.flatMap { try predictionRows($0, patients: patients) }, to: url)
    }

    static func number(_ x: Double?) -> String { x.map { $0.isFinite ? String(format: "%.6f", $0) : String($0) } ?? "" }

    static func writeCSV(header: [String], rows: [[String]], to url: URL) throws {
        do { try CSVWriter.write(header: header, rows: rows, to: url) } catch { throw ExperimentError(.io, "\(error)") }
    }

    static func writeText(_ text: String, to url: URL) throws {
        do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
            throw ExperimentError(.io, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
