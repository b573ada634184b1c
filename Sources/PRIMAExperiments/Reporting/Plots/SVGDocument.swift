import Foundation

/// A minimal SVG writer for the result plots: shapes and text appended in drawing order.
public struct SVGDocument: Sendable {
    /// How text is anchored at its x coordinate.
    public enum Anchor: String, Sendable { case start, middle, end }

    /// Canvas size in pixels.
    public let width, height: Double
    private var elements: [String] = []

    /// A blank white canvas.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
        rect(x: 0, y: 0, width: width, height: height, fill: "#ffffff")
    }

    /// A rectangle.
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
                              strokeWidth: Double = 1, cornerRadius: Double = 0, opacity: Double = 1) {
        var attributes = "x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(0, width)))\" height=\"\(f(max(0, height)))\" fill=\"\(fill)\""
        if let stroke { attributes += " stroke=\"\(stroke)\" stroke-width=\"\(f(strokeWidth))\"" }
        if cornerRadius > 0 { attributes += " rx=\"\(f(cornerRadius))\"" }
        if opacity < 1 { attributes += " fill-opacity=\"\(f(opacity))\"" }
        elements.append("<rect \(attributes)/>")
    }

    /// A straight line; `dash` is an SVG dash pattern such as `"4 3"`.
    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        elements.append("<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>")
    }

    /// A connected line through `points`.
    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        guard !points.isEmpty else { return }
        let list = points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
        elements.append("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\" stroke-linejoin=\"round\" stroke-linecap=\"round\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>")
    }

    /// A filled circle.
    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String? = nil) {
        elements.append("<circle cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"\(f(r))\" fill=\"\(fill)\"\(stroke.map { " stroke=\"\($0)\" stroke-width=\"1.5\"" } ?? "")/>")
    }

    /// Text at (x, y) (y is the baseline), optionally rotated by `rotation` degrees about that point.
    public mutating func text(_ string: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                              bold: Bool = false, fill: String = "#222222", rotation: Double = 0) {
        var attributes = "x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\""
        if bold { attributes += " font-weight=\"bold\"" }
        if rotation != 0 { attributes += " transform=\"rotate(\(f(rotation)) \(f(x)) \(f(y)))\"" }
        elements.append("<text \(attributes)>\(Self.escaped(string))</text>")
    }

    /// The document's text.
    public var svg: String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
        \(elements.joined(separator: "\n"))
        </svg>

        """
    }

    /// Writes the document atomically.
    public func write(to url: URL) throws {
        do { try Data(svg.utf8).write(to: url, options: .atomic) } catch {
            throw ExperimentError(.io, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// XML-escapes text content.
    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A coordinate with at most two decimals.
    private func f(_ x: Double) -> String {
        let rounded = (x * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

/// Colours and axes shared by the plots.
enum PlotStyle {
    /// Tableau 10: distinct and colour-blind tolerant.
    static let palette = ["#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC"]
    static func colour(_ i: Int) -> String { palette[i % palette.count] }
    static let grid = "#e3e3e3"
    static let axis = "#555555"
    static let muted = "#666666"

    /// Evenly spaced "nice" tick values covering `low...high` (about `count` of them).
    static func ticks(low: Double, high: Double, count: Int = 5) -> [Double] {
        guard high > low else { return [low] }
        let raw = (high - low) / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var values: [Double] = []
        var v = (low / step).rounded(.up) * step
        while v <= high + step * 1e-9 { values.append(v); v += step }
        return values
    }

    /// A tick label without needless decimals.
    static func label(_ x: Double) -> String {
        if abs(x - x.rounded()) < 1e-9 { return String(Int(x.rounded())) }
        return abs(x) < 1 ? String(format: "%.2f", x) : String(format: "%.1f", x)
    }

    /// Tick labels of `ticks` with the same number of decimals, as few as tell them apart.
    static func labels(_ ticks: [Double]) -> [String] {
        guard ticks.count > 1 else { return ticks.map(label) }
        let step = abs(ticks[1] - ticks[0])
        var decimals = 0
        while decimals < 4 && abs(step * pow(10, Double(decimals)) - (step * pow(10, Double(decimals))).rounded()) > 1e-6 { decimals += 1 }
        return ticks.map { String(format: "%.\(decimals)f", $0) }
    }
}

/// A plot area with a linear y axis, horizontal grid lines and tick labels.
struct YAxisFrame {
    let left, top, width, height: Double
    let low, high: Double

    /// The canvas y of value `v`.
    func y(_ v: Double) -> Double { top + height * (1 - (v - low) / max(1e-12, high - low)) }

    /// Draws the grid, tick labels, baseline and the axis title.
    func draw(in svg: inout SVGDocument, title: String) {
        let ticks = PlotStyle.ticks(low: low, high: high)
        for (t, label) in zip(ticks, PlotStyle.labels(ticks)) {
            svg.line(x1: left, y1: y(t), x2: left + width, y2: y(t), stroke: PlotStyle.grid)
            svg.text(label, x: left - 6, y: y(t) + 4, size: 11, anchor: .end, fill: PlotStyle.muted)
        }
        svg.line(x1: left, y1: top + height, x2: left + width, y2: top + height, stroke: PlotStyle.axis)
        svg.line(x1: left, y1: top, x2: left, y2: top + height, stroke: PlotStyle.axis)
        svg.text(title, x: left - 42, y: top + height / 2, size: 12, anchor: .middle, fill: PlotStyle.axis, rotation: -90)
    }
}
