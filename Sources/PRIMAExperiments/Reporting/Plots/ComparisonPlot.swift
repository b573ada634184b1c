import Foundation

/// Experiments side by side: per-class F1, macro F1, accuracy and balanced accuracy, each as the mean over
/// folds with ±SD whiskers, one colour per experiment.
public enum ComparisonPlot {
    /// The SVG comparing `results` (all on the same classes).
    public static func svg(_ results: [CrossValidationResult], title: String) -> SVGDocument {
        precondition(!results.isEmpty, "nothing to compare")
        let classNames = results[0].classNames
        let labels = classNames.map { "F1 \($0)" } + ["Macro F1", "Accuracy", "Bal. acc."]
        let groups = labels.indices.map { g -> (label: String, values: [Double], sd: [Double]?) in
            let stats = results.map { r -> (Double, Double) in
                let m = g < classNames.count ? r.perClassF1[g]
                    : [r.summary.macroF1, r.summary.accuracy, r.summary.balancedAccuracy][g - classNames.count]
                return (m.mean * 100, m.sd * 100)
            }
            return (labels[g], stats.map(\.0), stats.map(\.1))
        }
        return GroupedBarChart(title: title, subtitle: "mean ± SD over \(results[0].folds.count) folds",
                               seriesNames: results.map(\.title), groups: groups, yTitle: "percent",
                               separatorBefore: classNames.count).svg()
    }
}
