import Foundation

/// Grouped bars of macro F1, accuracy and balanced accuracy for each fold, and their mean with ±SD whiskers.
public enum FoldMetricsPlot {
    /// The SVG of one experiment's folds.
    public static func svg(_ result: CrossValidationResult) -> SVGDocument {
        let metrics = ["Macro F1", "Accuracy", "Balanced accuracy"]
        var groups: [(label: String, values: [Double], sd: [Double]?)] = result.folds.map { f in
            ("Fold \(f.fold + 1)", [f.report.macroF1, f.report.accuracy, f.report.balancedAccuracy].map { $0 * 100 }, nil)
        }
        let s = result.summary
        groups.append(("Mean ± SD", [s.macroF1.mean, s.accuracy.mean, s.balancedAccuracy.mean].map { $0 * 100 },
                       [s.macroF1.sd, s.accuracy.sd, s.balancedAccuracy.sd].map { $0 * 100 }))
        return GroupedBarChart(title: result.title, subtitle: "test metrics per fold (weights of the best validation epoch)",
                               seriesNames: metrics, groups: groups, yTitle: "percent", separatorBefore: groups.count - 1).svg()
    }
}

/// Vertical bars in groups, one colour per series, optional ±SD whiskers, y from 0 to 100.
struct GroupedBarChart {
    let title: String
    let subtitle: String
    let seriesNames: [String]
    let groups: [(label: String, values: [Double], sd: [Double]?)]
    let yTitle: String
    /// A dashed line before this group (the summary groups).
    let separatorBefore: Int?

    func svg() -> SVGDocument {
        let series = seriesNames.count
        let bar = series <= 3 ? 20.0 : 14.0
        let groupWidth = bar * Double(series) + 26
        let left = 70.0, plotHeight = 260.0
        let plotWidth = max(420, groupWidth * Double(groups.count))
        let legendLines = legendLayout(width: plotWidth)
        let top = 100.0 + 18 * Double(legendLines.count - 1)
        var svg = SVGDocument(width: max(left + plotWidth + 30, 32 + Double(title.count) * 8.6), height: top + plotHeight + 58)
        svg.text(title, x: 16, y: 26, size: 15, bold: true)
        svg.text(subtitle, x: 16, y: 46, size: 11, fill: PlotStyle.muted)
        for (row, items) in legendLines.enumerated() {
            for (i, x) in items {
                svg.rect(x: left + x, y: 68 + 18 * Double(row) - 10, width: 12, height: 12, fill: PlotStyle.colour(i), cornerRadius: 2)
                svg.text(seriesNames[i], x: left + x + 17, y: 68 + 18 * Double(row), size: 11)
            }
        }

        let frame = YAxisFrame(left: left, top: top, width: plotWidth, height: plotHeight, low: 0, high: 100)
        frame.draw(in: &svg, title: yTitle)
        let slot = plotWidth / Double(groups.count)
        for (g, group) in groups.enumerated() {
            let start = left + slot * Double(g) + (slot - bar * Double(series)) / 2
            if g == separatorBefore, g > 0 {
                svg.line(x1: left + slot * Double(g), y1: top, x2: left + slot * Double(g), y2: top + plotHeight,
                         stroke: "#bbbbbb", dash: "4 3")
            }
            for (i, value) in group.values.enumerated() {
                let x = start + bar * Double(i)
                svg.rect(x: x + 1, y: frame.y(value), width: bar - 2, height: frame.y(0) - frame.y(value),
                         fill: PlotStyle.colour(i), cornerRadius: 1.5)
                if let sd = group.sd?[i], sd > 0 {
                    let cx = x + bar / 2
                    svg.line(x1: cx, y1: frame.y(min(100, value + sd)), x2: cx, y2: frame.y(max(0, value - sd)), stroke: "#222222", width: 1.3)
                    for v in [min(100, value + sd), max(0, value - sd)] {
                        svg.line(x1: cx - 4, y1: frame.y(v), x2: cx + 4, y2: frame.y(v), stroke: "#222222", width: 1.3)
                    }
                }
                if series <= 3 {
                    let labelTop = min(100, value + (group.sd?[i] ?? 0))
                    svg.text(String(format: "%.0f", value), x: x + bar / 2, y: frame.y(labelTop) - 4, size: 9, anchor: .middle,
                             fill: PlotStyle.muted)
                }
            }
            svg.text(group.label, x: left + slot * (Double(g) + 0.5), y: top + plotHeight + 18, size: 11, anchor: .middle)
        }
        return svg
    }

    /// Legend entries (series index, x offset) per line, wrapped to `width` (text width estimated per character).
    private func legendLayout(width: Double) -> [[(Int, Double)]] {
        var lines: [[(Int, Double)]] = [[]]
        var cursor = 0.0
        for (i, name) in seriesNames.enumerated() {
            let itemWidth = 17 + Double(name.count) * 6.4 + 18
            if cursor > 0 && cursor + itemWidth > width {
                lines.append([])
                cursor = 0
            }
            lines[lines.count - 1].append((i, cursor))
            cursor += itemWidth
        }
        return lines
    }
}
