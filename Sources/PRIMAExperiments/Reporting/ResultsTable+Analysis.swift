import Foundation
import PRIMAData

extension ResultsTable {
    /// Paired differences between methods across folds: one row per comparison and metric with each fold's
    /// difference, their mean (SD), and the two-sided p-values of the paired t-test and the exact Wilcoxon
    /// signed-rank test. Differences in percentage points, `method − reference`.
    public static func pairedTable(_ comparisons: [PairedComparison]) -> Table? {
        guard let first = comparisons.first else { return nil }
        let foldCount = first.differences.count
        func points(_ x: Double) -> String { String(format: "%+.2f", x * 100) }
        let rows = comparisons.map { c in
            ["\(c.methodTitle) − \(c.referenceTitle)", c.metric.title] + c.differences.map(points)
                + [points(c.mean) + (c.sd.map { String(format: " (%.2f)", $0 * 100) } ?? ""),
                   pValue(c.tTest.pValue), pValue(c.wilcoxon.pValue)]
        }
        let header = ["Comparison", "Metric"] + (1...foldCount).map { "Fold \($0)" } + ["Mean (SD)", "t-test p", "Wilcoxon p"]
        let caption = "Paired differences across the \(foldCount) folds, in points (method − reference); two-sided p-values "
            + "of the paired t-test and the exact Wilcoxon signed-rank test"
            + (foldCount <= 5 ? " (with \(foldCount) folds the Wilcoxon p cannot go below \(String(format: "%.4g", pow(2, Double(1 - foldCount)))))" : "")
        return Table(caption: caption, header: header, rows: rows)
    }

    /// ``pairedTable(_:)`` as text, or nil for no comparisons.
    public static func paired(_ comparisons: [PairedComparison]) -> String? { pairedTable(comparisons)?.text }

    /// Calibration of each method over its pooled test predictions: expected calibration error (15 bins), mean
    /// confidence and accuracy.
    /// - Throws: ``ExperimentError`` for a result whose predictions are damaged (see ``CrossValidationResult/calibration()``).
    public static func calibrationTable(_ results: [CrossValidationResult]) throws -> Table? {
        guard !results.isEmpty else { return nil }
        let rows = try results.map { r -> [String] in
            let c = try r.calibration()
            let confidence = c.bins.reduce(0) { $0 + Double($1.count) * ($1.meanConfidence ?? 0) } / Double(c.sampleCount)
            let accuracy = c.bins.reduce(0) { $0 + Double($1.count) * ($1.accuracy ?? 0) } / Double(c.sampleCount)
            return [r.title, String(format: "%.2f", c.expectedCalibrationError * 100), String(format: "%.2f", confidence * 100),
                    String(format: "%.2f", accuracy * 100), String(c.sampleCount)]
        }
        return Table(caption: "Calibration over the pooled test predictions of all folds, in percent "
                     + "(ECE: \(Calibration.defaultBinCount) equal-width bins of the top-class probability)",
                     header: ["Method", "ECE", "Mean confidence", "Accuracy", "Samples"], rows: rows)
    }

    /// A p-value with four decimals, `<0.0001` below that, `—` when undefined.
    static func pValue(_ p: Double?) -> String {
        guard let p else { return "—" }
        return p < 1e-4 ? "<0.0001" : String(format: "%.4f", p)
    }
}
