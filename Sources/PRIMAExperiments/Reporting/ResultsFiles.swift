import Foundation
import PRIMAData

/// Writes results as files: `results.json` (everything, machine-readable) and `results.csv` (one row per
/// fold plus `mean` and `sd` rows, metrics as fractions in [0, 1]).
public enum ResultsFiles {
    /// The results of several experiments on one dataset, as written to the output folder's `results.json`.
    public struct Comparison: Codable, Sendable, Equatable {
        /// The dataset's name.
        public let dataset: String
        /// The experiments, in the order they ran.
        public let experiments: [CrossValidationResult]

        /// A comparison of `experiments` on `dataset`.
        public init(dataset: String, experiments: [CrossValidationResult]) {
            self.dataset = dataset
            self.experiments = experiments
        }
    }

    /// Writes `results.json` and `results.csv` of one experiment into `directory`.
    public static func write(_ result: CrossValidationResult, to directory: URL) throws {
        try RunDirectory.createDirectory(directory)
        try RunDirectory.writeJSON(result, to: directory.appendingPathComponent("results.json"))
        try writeCSV([result], to: directory.appendingPathComponent("results.csv"))
    }

    /// Writes `results.json` and `results.csv` of several experiments into `directory`.
    public static func write(_ comparison: Comparison, to directory: URL) throws {
        try RunDirectory.createDirectory(directory)
        try RunDirectory.writeJSON(comparison, to: directory.appendingPathComponent("results.json"))
        try writeCSV(comparison.experiments, to: directory.appendingPathComponent("results.csv"))
    }

    /// The CSV columns for these class names.
    public static func csvHeader(classNames: [String]) -> [String] {
        ["experiment", "fold"] + classNames.map { "f1_\($0)" } + ["macro_f1", "accuracy", "balanced_accuracy", "macro_auc", "best_epoch"]
    }

    /// The CSV rows of one experiment: its folds (1-based), then `mean` and `sd`.
    public static func csvRows(_ result: CrossValidationResult) -> [[String]] {
        func number(_ x: Double?) -> String { x.map { String(format: "%.6f", $0) } ?? "" }
        var rows = result.folds.map { f in
            [result.experiment, String(f.fold + 1)] + f.report.f1.map(number)
                + [number(f.report.macroF1), number(f.report.accuracy), number(f.report.balancedAccuracy), number(f.macroAUC),
                   String(f.bestEpoch + 1)]
        }
        let s = result.summary
        rows.append([result.experiment, "mean"] + result.perClassF1.map { number($0.mean) }
                    + [number(s.macroF1.mean), number(s.accuracy.mean), number(s.balancedAccuracy.mean), number(s.macroAUC?.mean), ""])
        rows.append([result.experiment, "sd"] + result.perClassF1.map { number($0.sd) }
                    + [number(s.macroF1.sd), number(s.accuracy.sd), number(s.balancedAccuracy.sd), number(s.macroAUC?.sd), ""])
        return rows
    }

    static func writeCSV(_ results: [CrossValidationResult], to url: URL) throws {
        guard let first = results.first else { return }
        do {
            try CSVWriter.write(header: csvHeader(classNames: first.classNames), rows: results.flatMap(csvRows), to: url)
        } catch {
            throw ExperimentError(.io, "\(error)")
        }
    }
}
