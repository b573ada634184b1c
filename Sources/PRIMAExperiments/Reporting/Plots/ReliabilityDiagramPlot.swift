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
