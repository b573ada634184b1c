import Foundation

/// One panel per earlier stage (``StageRecord``) of an experiment: each named training loss per epoch, one
/// colour per loss, one line per fold.
public enum StageCurvesPlot {
    /// The SVG of the stages' training losses, or nil when the experiment has no stages.
    public static func svg(_ result: CrossValidationResult) -> SVGDocument? {
        let stageNames = uniqueInOrder(result.folds.flatMap { ($0.stages ?? []).map(\.stage) })
        guard !stageNames.isEmpty else { return nil }
        let panelWidth = 340.0, panelHeight = 230.0, top = 112.0, left = 70.0, gap = 90.0
        var svg = SVGDocument(width: left + Double(stageNames.count) * (panelWidth + gap) + 30, height: top + panelHeight + 60)
        svg.text(result.title + " — earlier stages", x: 16, y: 26, size: 15, bold: true)
        svg.text("training losses per epoch · one colour per loss · one line per fold", x: 16, y: 46, size: 11, fill: PlotStyle.muted)
        for (s, stage) in stageNames.enumerated() {
            let records = result.folds.compactMap { $0.stages?.first { $0.stage == stage } }
            let lossNames = uniqueInOrder(records.flatMap { $0.history.flatMap { $0.losses.keys.sorted() } })
            let values = records.flatMap { $0.history.flatMap { Array($0.losses.values) } }.filter(\.isFinite)
            let high = max(0.1, (values.max() ?? 1) * 1.08)
            let frame = YAxisFrame(left: left + Double(s) * (panelWidth + gap), top: top, width: panelWidth, height: panelHeight,
                                   low: min(0, values.min() ?? 0), high: high)
            frame.draw(in: &svg, title: "loss")
            svg.text("stage \(stage)", x: frame.left + panelWidth / 2, y: top - 10, size: 12, anchor: .middle, bold: true)
            let epochs = max(1, records.map(\.history.count).max() ?? 1)
            func x(_ epoch: Int) -> Double {
                epochs == 1 ? frame.left + frame.width / 2 : frame.left + frame.width * Double(epoch) / Double(epochs - 1)
            }
            for (n, loss) in lossNames.enumerated() {
                svg.line(x1: frame.left + Double(n % 3) * 115, y1: 64 + Double(n / 3) * 14, x2: frame.left + Double(n % 3) * 115 + 14,
                         y2: 64 + Double(n / 3) * 14, stroke: PlotStyle.colour(n), width: 3)
                svg.text(loss, x: frame.left + Double(n % 3) * 115 + 18, y: 68 + Double(n / 3) * 14, size: 10)
                for record in records {
                    let points = record.history.compactMap { e in e.losses[loss].map { (x(e.epoch), frame.y(min(high, $0))) } }
                    svg.polyline(points, stroke: PlotStyle.colour(n), width: 1.4)
                }
            }
            svg.text("epoch", x: frame.left + frame.width / 2, y: top + panelHeight + 36, size: 12, anchor: .middle, fill: PlotStyle.axis)
        }
        return svg
    }

    private static func uniqueInOrder(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
