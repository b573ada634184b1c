import Foundation
import PRIMAData
import PRIMATensor

/// Renders word → patch attention (the α of the local semantic loss) over a photo: one panel per word or
/// phrase, the photo tinted by how much that word attends to each patch, the word written under the panel.
///
/// ```swift
/// let panels = AttentionHeatmap.wordPanels(attention: alpha, tokens: tokenStrings, wordMask: mask)
/// let figure = try AttentionHeatmap().render(photo: photo, grid: grid, panels: panels)
/// try PNGEncoder.write(figure, to: url)
/// ```
///
/// Each panel's weights are scaled to [0, 1] by their own minimum and maximum (attention over K patches is
/// small and flat in absolute terms) and drawn as blocks, one per patch, with a colour map whose channel sum
/// rises strictly with the weight (black → red → yellow), so the hottest patch is the brightest block.
public struct AttentionHeatmap: Sendable {
    /// One panel: a caption and a weight per patch (row-major over the grid).
    public struct Panel: Sendable, Equatable {
        /// The word or phrase written under the panel.
        public var caption: String
        /// `K` weights, one per patch.
        public var weights: [Float]

        /// A panel of `weights` captioned `caption`.
        public init(caption: String, weights: [Float]) {
            self.caption = caption
            self.weights = weights
        }
    }

    /// Side of each (square) panel's photo area in pixels.
    public var panelSide: Int
    /// Panels per row of the figure.
    public var columns: Int
    /// Size of a font pixel in image pixels (the captions are 7 × `captionScale` pixels tall).
    public var captionScale: Int
    /// Weight of the heat colour over the photo, in [0, 1].
    public var opacity: Float
    /// Pixels between panels and around the figure.
    public var margin: Int

    /// A renderer; panels of 160 pixels, four per row, captions at twice the font size, 60% heat over the photo.
    public init(panelSide: Int = 160, columns: Int = 4, captionScale: Int = 2, opacity: Float = 0.6, margin: Int = 6) {
        self.panelSide = panelSide
        self.columns = columns
        self.captionScale = captionScale
        self.opacity = opacity
        self.margin = margin
    }

    /// Height of the caption strip under each panel.
    public var captionHeight: Int { BitmapFont.glyphHeight * captionScale + 2 * margin }

    /// The top-left corner of panel `index`'s photo area in the figure.
    public func panelOrigin(_ index: Int) -> (x: Int, y: Int) {
        let column = index % columns, row = index / columns
        return (margin + column * (panelSide + margin), margin + row * (panelSide + captionHeight))
    }

    /// The size of a figure of `panelCount` panels.
    public func figureSize(panelCount: Int) -> (width: Int, height: Int) {
        let cols = min(columns, max(1, panelCount)), rows = max(1, (panelCount + columns - 1) / columns)
        return (margin + cols * (panelSide + margin), margin + rows * (panelSide + captionHeight))
    }

    /// The figure: `panels` over `photo`, `grid` giving the patch layout of each panel's weights.
    /// - Throws: ``AlignmentError`` when the settings are unusable, there is no panel, or a panel does not
    ///   have `grid.count` finite weights.
    public func render(photo: RGBImage, grid: PatchGrid, panels: [Panel]) throws -> RGBImage {
        let source = "attention heatmap"
        guard panelSide >= 8, columns >= 1, captionScale >= 1, margin >= 0, (0...1).contains(opacity) else {
            throw AlignmentError(source, "unusable settings: panel side \(panelSide), columns \(columns), caption scale \(captionScale), opacity \(opacity), margin \(margin)")
        }
        guard grid.count > 0 else { throw AlignmentError(source, "empty patch grid \(grid.height)×\(grid.width)") }
        guard !panels.isEmpty else { throw AlignmentError(source, "no panels to draw") }
        for (i, panel) in panels.enumerated() {
            guard panel.weights.count == grid.count else {
                throw AlignmentError(source, "panel \(i) ('\(panel.caption)') has \(panel.weights.count) weights for a \(grid.height)×\(grid.width) grid")
            }
            guard panel.weights.allSatisfy(\.isFinite) else {
                throw AlignmentError(source, "panel \(i) ('\(panel.caption)') has non-finite weights")
            }
        }
        let size = figureSize(panelCount: panels.count)
        var figure = RGBImage(width: size.width, height: size.height,
                              pixels: [UInt8](repeating: 255, count: size.width * size.height * 3))
        let base = Self.resized(photo, side: panelSide)
        for (i, panel) in panels.enumerated() {
            let origin = panelOrigin(i)
            drawPanel(panel, base: base, grid: grid, into: &figure, at: origin)
            let caption = BitmapFont.fitting(panel.caption, width: panelSide, scale: captionScale)
            let textX = origin.x + (panelSide - BitmapFont.width(of: caption, scale: captionScale)) / 2
            BitmapFont.draw(caption, into: &figure, x: textX, y: origin.y + panelSide + margin, scale: captionScale)
        }
        return figure
    }

    /// The heat colour of a weight in [0, 1]: black → red → yellow; R + G = 510·v rises strictly with v.
    public static func heatColor(_ v: Float) -> (Float, Float, Float) {
        let t = min(max(v, 0), 1)
        return t <= 0.5 ? (510 * t, 0, 0) : (255, 510 * t - 255, 0)
    }

    private func drawPanel(_ panel: Panel, base: RGBImage, grid: PatchGrid, into figure: inout RGBImage, at origin: (x: Int, y: Int)) {
        let low = panel.weights.min()!, high = panel.weights.max()!
        let span = high - low
        let normalised = panel.weights.map { span > 0 ? ($0 - low) / span : 0 }
        let side = panelSide, width = figure.width, alpha = opacity
        base.pixels.withUnsafeBufferPointer { src in
            figure.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<side {
                    let patchRow = min(grid.height - 1, y * grid.height / side)
                    for x in 0..<side {
                        let patch = patchRow * grid.width + min(grid.width - 1, x * grid.width / side)
                        let heat = Self.heatColor(normalised[patch])
                        let s = 3 * (y * side + x), d = 3 * ((origin.y + y) * width + origin.x + x)
                        dst[d] = UInt8(((1 - alpha) * Float(src[s]) + alpha * heat.0).rounded())
                        dst[d + 1] = UInt8(((1 - alpha) * Float(src[s + 1]) + alpha * heat.1).rounded())
                        dst[d + 2] = UInt8(((1 - alpha) * Float(src[s + 2]) + alpha * heat.2).rounded())
                    }
                }
            }
        }
    }

    /// `photo` scaled to `side` × `side` (nearest neighbour; the photo is only a backdrop for the heat).
    static func resized(_ photo: RGBImage, side: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        for y in 0..<side {
            let sy = min(photo.height - 1, y * photo.height / side)
            for x in 0..<side {
                let sx = min(photo.width - 1, x * photo.width / side)
                let s = 3 * (sy * photo.width + sx), d = 3 * (y * side + x)
                pixels[d] = photo.pixels[s]
                pixels[d + 1] = photo.pixels[s + 1]
                pixels[d + 2] = photo.pixels[s + 2]
            }
        }
        return RGBImage(width: side, height: side, pixels: pixels)
    }
}

extension AttentionHeatmap {
    /// Panels for the words of one text: sub-word tokens are joined into words (WordPiece `##` pieces, and
    /// byte-level BPE pieces that do not start a word with `Ġ`, `▁` or a space), each word's weights are the
    /// mean of its tokens' rows, and words that are only punctuation are left out.
    /// - Parameters:
    ///   - attention: `[L, K]` word → patch weights of one sample and view (rows of padding and special
    ///     tokens are ignored).
    ///   - tokens: the `L` token strings, in order.
    ///   - wordMask: which of the `L` tokens are words.
    /// - Throws: ``AlignmentError`` when the shapes disagree.
    public static func wordPanels(attention: Tensor, tokens: [String], wordMask: [Bool]) throws -> [Panel] {
        guard attention.rank == 2, attention.shape[0] == tokens.count, wordMask.count == tokens.count else {
            throw AlignmentError("attention heatmap", "attention of shape \(attention.shape) for \(tokens.count) tokens and a mask of \(wordMask.count)")
        }
        let k = attention.shape[1], values = attention.scalars
        // Byte-level BPE marks the first piece of a word; WordPiece marks the following pieces.
        let marksWordStarts = tokens.contains { $0.hasPrefix("Ġ") || $0.hasPrefix("▁") }
        var panels: [Panel] = []
        var current: (text: String, sum: [Float], count: Int)?
        func flush() {
            if let word = current, isWord(word.text) {
                panels.append(Panel(caption: word.text, weights: word.sum.map { $0 / Float(word.count) }))
            }
            current = nil
        }
        for (l, token) in tokens.enumerated() {
            guard wordMask[l] else { flush(); continue }
            let row = Array(values[(l * k)..<((l + 1) * k)])
            var piece = token
            var continues: Bool
            if marksWordStarts {
                continues = !(piece.hasPrefix("Ġ") || piece.hasPrefix("▁") || piece.hasPrefix(" "))
                if !continues { piece.removeFirst() }
            } else {
                continues = piece.hasPrefix("##")
                if continues { piece.removeFirst(2) }
            }
            // Punctuation ends a word and is not one.
            if !isWord(piece) { flush(); continue }
            if continues, var word = current {
                word.text += piece
                word.sum = zip(word.sum, row).map(+)
                word.count += 1
                current = word
            } else {
                flush()
                current = (piece, row, 1)
            }
        }
        flush()
        return panels
    }

    private static func isWord(_ text: String) -> Bool { text.contains { $0.isLetter || $0.isNumber } }
}
