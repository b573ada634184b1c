import Foundation

/// The missing-metadata analysis as horizontal bars: each method's change of macro F1 (mean over folds, in
/// points) with each field removed and with all removed; zero is intact metadata.
public enum MissingMetadataPlot {
    /// The SVG of `reports` (the methods that read metadata).
    public static func svg(_ reports: [MissingMetadataReport], title: String) -> SVGDocument {
        precondition(!reports.isEmpty, "nothing to plot")
        let conditions = reports[0].rows.dropFirst().map(\.removed)
        let changes = reports.map { Array($0.meanMacroF1Change.dropFirst()) }
        let extent = max(1, (changes.joined().map(abs).max() ?? 1) * 100 * 1.15)
        let rowHeight = 10.0 * Double(reports.count) + 10, left = 170.0, width = 420.0, top = 84.0
        var svg = SVGDocument(width: left + width + 40, height: top + rowHeight * Double(conditions.count) + 56)
        svg.text(title + " — missing metadata at test time", x: 16, y: 26, size: 15, bold: true)
        svg.text("change of macro F1 against intact metadata, points, mean over folds", x: 16, y: 46, size: 11, fill: PlotStyle.muted)
        var cursor = left
        for (i, report) in reports.enumerated() {
            svg.rect(x: cursor, y: 58, width: 12, height: 12, fill: PlotStyle.colour(i), cornerRadius: 2)
            svg.text(report.title, x: cursor + 17, y: 68, size: 11)
            cursor += 17 + Double(report.title.count) * 6.4 + 18
        }
        func x(_ points: Double) -> Double { left + width / 2 + width / 2 * points / extent }
        let bottom = top + rowHeight * Double(conditions.count)
        for t in PlotStyle.ticks(low: -extent, high: extent, count: 6) {
            svg.line(x1: x(t), y1: top, x2: x(t), y2: bottom, stroke: PlotStyle.grid)
            svg.text(PlotStyle.label(t), x: x(t), y: bottom + 16, size: 11, anchor: .middle, fill: PlotStyle.muted)
        }
        svg.line(x1: x(0), y1: top, x2: x(0), y2: bottom, stroke: PlotStyle.axis)
        for (c, condition) in conditions.enumerated() {
            let y = top + rowHeight * Double(c)
            svg.text(condition == MissingMetadataReport.allFields ? "all fields" : condition, x: left - 8, y: y + rowHeight / 2 + 4,
                     size: 11, anchor: .end, bold: condition == MissingMetadataReport.allFields)
            for (m, change) in changes.enumerated() {
                let value = change[c] * 100
                svg.rect(x: min(x(0), x(value)), y: y + 5 + 10 * Double(m), width: abs(x(value) - x(0)), height: 8,
                         fill: PlotStyle.colour(m))
            }
        }
        svg.text("Δ macro F1 (points)", x: left + width / 2, y: bottom + 36, size: 12, anchor: .middle, fill: PlotStyle.axis)
        return svg
    }
}
