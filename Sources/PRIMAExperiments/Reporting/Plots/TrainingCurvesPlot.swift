import Foundation

/// Two panels per experiment: training loss (solid) and validation loss (dashed) per fold, and validation macro
/// F1 per fold with the chosen epoch marked.
public enum TrainingCurvesPlot {
    /// The SVG of one experiment's training histories.
    public static func svg(_ result: CrossValidationResult) -> SVGDocument {
        let panelWidth = 340.0, panelHeight = 230.0, top = 112.0, left = 70.0, gap = 90.0
        var svg = SVGDocument(width: left + 2 * panelWidth + gap + 30, height: top + panelHeight + 60)
        svg.text(result.title, x: 16, y: 26, size: 15, bold: true)
        svg.text("per fold · solid: training loss, dashed: validation loss · ● best validation epoch", x: 16, y: 46,
                 size: 11, fill: PlotStyle.muted)
        var cursor = left
        for f in result.folds {
            svg.line(x1: cursor, y1: 68, x2: cursor + 18, y2: 68, stroke: PlotStyle.colour(f.fold), width: 3)
            svg.text("fold \(f.fold + 1)", x: cursor + 23, y: 72, size: 11)
            cursor += 80
        }

        let epochs = max(1, result.folds.map(\.history.count).max() ?? 1)
        let losses = result.folds.flatMap { $0.history.flatMap { [$0.trainLoss, $0.validationLoss] } }.filter(\.isFinite)
        let lossHigh = max(0.1, (losses.max() ?? 1) * 1.08)
        let lossFrame = YAxisFrame(left: left, top: top, width: panelWidth, height: panelHeight, low: 0, high: lossHigh)
        let f1Frame = YAxisFrame(left: left + panelWidth + gap, top: top, width: panelWidth, height: panelHeight, low: 0, high: 100)
        lossFrame.draw(in: &svg, title: "cross-entropy")
        f1Frame.draw(in: &svg, title: "validation macro F1 (%)")
        svg.text("Loss", x: lossFrame.left + panelWidth / 2, y: top - 10, size: 12, anchor: .middle, bold: true)
        svg.text("Validation macro F1", x: f1Frame.left + panelWidth / 2, y: top - 10, size: 12, anchor: .middle, bold: true)

        func x(_ frame: YAxisFrame, _ epoch: Int) -> Double {
            epochs == 1 ? frame.left + frame.width / 2 : frame.left + frame.width * Double(epoch) / Double(epochs - 1)
        }
        for frame in [lossFrame, f1Frame] {
            for t in PlotStyle.ticks(low: 1, high: Double(epochs), count: min(epochs, 6)) {
                svg.text(PlotStyle.label(t), x: x(frame, Int(t) - 1), y: top + panelHeight + 16, size: 11, anchor: .middle,
                         fill: PlotStyle.muted)
            }
            svg.text("epoch", x: frame.left + frame.width / 2, y: top + panelHeight + 36, size: 12, anchor: .middle, fill: PlotStyle.axis)
        }
        for f in result.folds {
            let colour = PlotStyle.colour(f.fold)
            svg.polyline(f.history.map { (x(lossFrame, $0.epoch), lossFrame.y(min(lossHigh, $0.trainLoss))) }, stroke: colour)
            svg.polyline(f.history.map { (x(lossFrame, $0.epoch), lossFrame.y(min(lossHigh, $0.validationLoss))) }, stroke: colour,
                         width: 1.6, dash: "5 4")
            svg.polyline(f.history.map { (x(f1Frame, $0.epoch), f1Frame.y($0.validationMacroF1 * 100)) }, stroke: colour)
            if let best = f.history.first(where: { $0.epoch == f.bestEpoch }) {
                svg.circle(cx: x(f1Frame, best.epoch), cy: f1Frame.y(best.validationMacroF1 * 100), r: 4.5, fill: colour, stroke: "#ffffff")
            }
        }
        return svg
    }
}
