import Foundation

/// A confusion-matrix heat map: one cell per (true, predicted) pair with its count and its share of the true
/// class, coloured by that share (row-normalised, so rare classes such as MEL read as clearly as common ones).
public enum ConfusionMatrixPlot {
    /// The SVG of `confusion[true][predicted]`.
    public static func svg(confusion: [[Int]], classNames: [String], title: String) -> SVGDocument {
        let k = classNames.count
        let cell = k <= 6 ? 72.0 : max(36, 432 / Double(k))
        let left = 120.0, top = 70.0
        let width = left + cell * Double(k) + 90, height = top + cell * Double(k) + 70
        var svg = SVGDocument(width: max(width, 420, 32 + Double(title.count) * 8.6), height: height)
        svg.text(title, x: 16, y: 26, size: 15, bold: true)
        svg.text("test folds summed · colour = share of the true class", x: 16, y: 46, size: 11, fill: PlotStyle.muted)

        for t in 0..<k {
            let total = max(1, confusion[t].reduce(0, +))
            for p in 0..<k {
                let share = Double(confusion[t][p]) / Double(total)
                let x = left + Double(p) * cell, y = top + Double(t) * cell
                svg.rect(x: x, y: y, width: cell, height: cell, fill: colour(share), stroke: "#ffffff", strokeWidth: 2)
                let ink = share > 0.5 ? "#ffffff" : "#1b1b1b"
                svg.text(String(confusion[t][p]), x: x + cell / 2, y: y + cell / 2 + 1, size: cell >= 60 ? 16 : 12,
                         anchor: .middle, bold: t == p, fill: ink)
                svg.text(String(format: "%.0f%%", share * 100), x: x + cell / 2, y: y + cell / 2 + 17,
                         size: cell >= 60 ? 11 : 9, anchor: .middle, fill: ink)
            }
            svg.text(classNames[t], x: left - 10, y: top + (Double(t) + 0.5) * cell + 4, size: 12, anchor: .end)
            svg.text("n=\(confusion[t].reduce(0, +))", x: left + Double(k) * cell + 8, y: top + (Double(t) + 0.5) * cell + 4,
                     size: 11, fill: PlotStyle.muted)
        }
        for p in 0..<k {
            svg.text(classNames[p], x: left + (Double(p) + 0.5) * cell, y: top + Double(k) * cell + 18, size: 12, anchor: .middle)
        }
        svg.text("Predicted class", x: left + Double(k) * cell / 2, y: top + Double(k) * cell + 42, size: 12, anchor: .middle,
                 bold: true, fill: PlotStyle.axis)
        svg.text("True class", x: 22, y: top + Double(k) * cell / 2, size: 12, anchor: .middle, bold: true,
                 fill: PlotStyle.axis, rotation: -90)
        return svg
    }

    /// White → deep blue as `share` goes 0 → 1.
    static func colour(_ share: Double) -> String {
        let stops: [(Double, Double, Double)] = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]
        let s = min(1, max(0, share)) * Double(stops.count - 1)
        let i = min(stops.count - 2, Int(s)), t = s - Double(i)
        let a = stops[i], b = stops[i + 1]
        func mix(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * t).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
