import Foundation
import PRIMAData

/// How a method's test metrics change when metadata is missing at test time: each field removed alone, then
/// all of them, from every test sample of every fold, with the trained models unchanged.
///
/// A removed field is what the data layer makes of an empty or `UNK` cell: the key is absent from the
/// sample's `MetadataRecord`, so the metadata text leaves its phrase out and the metadata vector marks it
/// missing (a boolean's `missing` slot, all zeros for a category or binned number). Clinically: what the
/// model is worth when a form field was not filled in.
public struct MissingMetadataReport: Sendable, Equatable, Codable {
    /// One test-time condition's metrics over the folds.
    public struct Row: Sendable, Equatable, Codable {
        /// `none` (intact metadata), a field's name, or `all`.
        public let removed: String
        /// Macro F1, accuracy, balanced accuracy, mean (SD) over folds.
        public let summary: FoldSummary
        /// Per fold, this condition's macro F1 minus the intact one's.
        public let macroF1Change: [Double]
        /// The share of test samples (all folds pooled) whose predicted class differs from the intact one.
        public let changedPredictions: Double
        /// The mean over test samples of the total variation distance ½ Σ_c |p_c − p_c(intact)| between the
        /// class probabilities and the intact ones: how far the probabilities moved, even where the predicted
        /// class did not change (0 to 1).
        public let meanProbabilityShift: Double
    }

    /// The experiment's name and title.
    public let experiment, title: String
    /// How it was re-scored: ``TestTimeReevaluation/rebuildTrainer``, or ``TestTimeReevaluation/ignoresMetadata``
    /// (then every row equals the intact one by construction and was not recomputed).
    public let reevaluation: TestTimeReevaluation
    /// Intact first, then each field, then `all`.
    public let rows: [Row]

    /// The condition names of the rows besides the fields.
    public static let intact = "none", allFields = "all"

    /// The mean change of macro F1 against intact metadata, per row.
    public var meanMacroF1Change: [Double] { rows.map { $0.macroF1Change.reduce(0, +) / Double(max(1, $0.macroF1Change.count)) } }
}

/// Runs the missing-metadata analysis (``MissingMetadataReport``) over a finished cross-validation.
public enum MissingMetadataAnalysis {
    /// `sample` with the metadata fields `names` removed (missing), everything else unchanged.
    public static func removing(_ names: Set<String>, from sample: DatasetSample) -> DatasetSample {
        DatasetSample(id: sample.id, patientID: sample.patientID, imagePaths: sample.imagePaths, label: sample.label,
                      metadata: sample.metadata.filter { !names.contains($0.key) })
    }

    /// The analysis of `experiment`'s finished run in `harness`'s output folder, removing each of `fields`
    /// (the metadata fields the model may read, in the order to report them) and then all of them.
    /// - Parameters:
    ///   - experiment: the experiment that was cross-validated.
    ///   - intact: its result, whose folds give the intact row.
    ///   - fields: the metadata fields to remove, one at a time and then all together.
    ///   - harness: the cross-validation the experiment ran in (its samples, folds and output folder).
    /// - Returns: the report, or nil for an experiment that does not support re-scoring
    ///   (``TestTimeReevaluation/unsupported``).
    /// - Throws: what ``CrossValidation/reevaluate(_:variants:)`` throws, or ``ExperimentError`` for a damaged result.
    public static func run(_ experiment: some FoldExperiment, result intact: CrossValidationResult, fields: [String],
                           harness: CrossValidation) throws -> MissingMetadataReport? {
        try intact.checkPredictionRows()
        let conditions = fields.map { [$0] } + [fields]
        let names = fields + [MissingMetadataReport.allFields]
        let intactReports = intact.folds.map(\.report)
        let intactScores = intact.folds.map { VariantScores(fold: $0.fold, report: $0.report, probabilities: $0.probabilities) }
        let scores: [[VariantScores]]
        switch experiment.testTimeReevaluation {
        case .unsupported: return nil
        case .ignoresMetadata: scores = conditions.map { _ in intactScores }
        case .rebuildTrainer:
            let variants = zip(names, conditions).map { name, removed in
                let set = Set(removed)
                return TestVariant(name: "without \(name)") { removing(set, from: $0) }
            }
            scores = try harness.reevaluate(experiment, variants: variants)
        }
        func row(_ name: String, _ folds: [VariantScores]) -> MissingMetadataReport.Row {
            let pairs = zip(folds.flatMap(\.probabilities), intact.folds.flatMap(\.probabilities))
            let changed = pairs.filter { argmax($0) != argmax($1) }.count
            let shift = pairs.reduce(0) { $0 + 0.5 * zip($1.0, $1.1).reduce(0) { $0 + abs($1.0 - $1.1) } }
            let count = Double(max(1, intact.folds.reduce(0) { $0 + $1.probabilities.count }))
            return .init(removed: name, summary: FoldSummary(reports: folds.map(\.report)),
                         macroF1Change: zip(folds, intactReports).map { $0.report.macroF1 - $1.macroF1 },
                         changedPredictions: Double(changed) / count, meanProbabilityShift: shift / count)
        }
        return MissingMetadataReport(experiment: intact.experiment, title: intact.title, reevaluation: experiment.testTimeReevaluation,
                                     rows: [row(MissingMetadataReport.intact, intactScores)] + zip(names, scores).map(row))
    }

    /// The first class of highest probability (as the harness predicts).
    private static func argmax(_ row: [Double]) -> Int { row.indices.reduce(0) { row[$1] > row[$0] ? $1 : $0 } }
}

extension ResultsTable {
    /// One row per test-time condition: macro F1, accuracy, balanced accuracy as mean (SD), the change of
    /// macro F1 against intact metadata (mean over folds, in points), the share of test samples whose predicted
    /// class changed, and the mean total-variation shift of their probabilities (in points).
    public static func missingMetadataTable(_ report: MissingMetadataReport) -> Table {
        let changes = report.meanMacroF1Change
        let rows = report.rows.enumerated().map { i, row in
            [row.removed == MissingMetadataReport.intact ? "none (intact)" : row.removed,
             row.summary.macroF1.formatted(), String(format: "%+.2f", changes[i] * 100), row.summary.accuracy.formatted(),
             row.summary.balancedAccuracy.formatted(), String(format: "%.1f", row.changedPredictions * 100),
             String(format: "%.2f", row.meanProbabilityShift * 100)]
        }
        let note = report.reevaluation == .ignoresMetadata ? " — the model reads no metadata, so nothing changes" : ""
        return Table(caption: "\(report.title): test metrics with metadata fields missing, mean (SD) over folds in percent\(note)",
                     header: ["Field removed", "Macro F1", "Δ Macro F1", "Accuracy", "Balanced acc.", "Changed pred. %",
                              "Prob. shift"], rows: rows)
    }
}

extension ResultsFiles {
    /// `missing-metadata.csv` columns: per method and condition, the metrics' means and SDs and the mean
    /// change of macro F1 (fractions).
    public static let missingMetadataCSVHeader = ["experiment", "removed", "macro_f1_mean", "macro_f1_sd", "macro_f1_change_mean",
                                                  "accuracy_mean", "accuracy_sd", "balanced_accuracy_mean", "balanced_accuracy_sd",
                                                  "changed_predictions", "mean_probability_shift"]

    /// Writes `missing-metadata.csv` and `missing-metadata.svg` of `reports` into `directory`.
    public static func writeMissingMetadata(_ reports: [MissingMetadataReport], title: String, to directory: URL) throws {
        let rows = reports.flatMap { report in
            zip(report.rows, report.meanMacroF1Change).map { row, change in
                [report.experiment, row.removed, number(row.summary.macroF1.mean), number(row.summary.macroF1.sd), number(change),
                 number(row.summary.accuracy.mean), number(row.summary.accuracy.sd), number(row.summary.balancedAccuracy.mean),
                 number(row.summary.balancedAccuracy.sd), number(row.changedPredictions), number(row.meanProbabilityShift)]
            }
        }
        try writeCSV(header: missingMetadataCSVHeader, rows: rows, to: directory.appendingPathComponent("missing-metadata.csv"))
        try MissingMetadataPlot.svg(reports, title: title).write(to: directory.appendingPathComponent("missing-metadata.svg"))
    }
}
