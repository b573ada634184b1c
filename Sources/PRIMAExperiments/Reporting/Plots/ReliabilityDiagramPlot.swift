import Foundation
import PRIMAData

/// A reliability diagram: for each confidence bin, the share of correct predictions (bar) against the
/// diagonal of perfect calibration, with the bin's mean confidence marked and its sample count above the bar.
/// Bars below the diagonal are over-confident, above it under-confident.
public enum ReliabilityDiagramPlot {
    /// The SVG of `calibration`, titled `title`.
    public static func svg(_ calibration: Calibration, title: String) -> SVGDocument {
        let left = 70.0, top = 80.0, size = 360.0
        var svg = SVGDocument(width: max(left + size + 40, 32 + Double(title.count) * 8.6), height: top + size + 60)
        svg.text(title + " — reliability", x: 16, y: 26, size: 15, bold: true)
        svg.text(String(format: "pooled test predictions (%d) · %d bins · ECE %.2f%% · ● mean confidence of a bin",
                        calibration.sampleCount, calibration.binCount, calibration.expectedCalibrationError * 100),
                 x: 16, y: 46, size: 11, fill: PlotStyle.muted)
        let frame = YAxisFrame(left: left, top: top, width: size, height: size, low: 0, high: 100)
        frame.draw(in: &svg, title: "accuracy (%)")
        func x(_ confidence: Double) -> Double { left + size * confidence }
        for bin in calibration.bins {
            guard let accuracy = bin.accuracy, let confidence = bin.meanConfidence else { continue }
            svg.rect(x: x(bin.lower) + 1, y: frame.y(accuracy * 100), width: x(bin.upper) - x(bin.lower) - 2,
                     height: frame.y(0) - frame.y(accuracy * 100), fill: PlotStyle.colour(0), opacity: 0.85)
            svg.circle(cx: x(confidence), cy: frame.y(confidence * 100), r: 3, fill: PlotStyle.colour(3))
            svg.text(String(bin.count), x: (x(bin.lower) + x(bin.upper)) / 2, y: frame.y(accuracy * 100) - 4, size: 8,
                     anchor: .middle, fill: PlotStyle.muted)
        }
        svg.line(x1: x(0), y1: frame.y(0), x2: x(1), y2: frame.y(100), stroke: PlotStyle.axis, width: 1.2, dash: "5 4")
        for t in stride(from: 0.0, through: 1.0, by: 0.2) {
            svg.text(String(format: "%.0f", t * 100), x: x(t), y: top + size + 16, size: 11, anchor: .middle, fill: PlotStyle.muted)
        }
        svg.text("confidence (top-class probability, %)", x: left + size / 2, y: top + size + 36, size: 12, anchor: .middle,
                 fill: PlotStyle.axis)
        return svg
    }
}

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
