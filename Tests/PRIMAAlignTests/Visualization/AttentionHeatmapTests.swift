import Foundation
import PRIMAAlign
import PRIMAData
import PRIMATensor
import PRIMAText
import Testing

@Suite struct AttentionHeatmapTests {
    /// A grey photo, so that a panel's brightness comes from the heat alone.
    let photo = RGBImage(width: 40, height: 30, pixels: [UInt8](repeating: 128, count: 40 * 30 * 3))
    let grid = PatchGrid(height: 3, width: 4)

    /// The patch whose block is brightest (R + G + B summed over the block) in panel `index` of `figure`.
    func hottestPatch(_ figure: RGBImage, _ renderer: AttentionHeatmap, panel index: Int) -> Int {
        let origin = renderer.panelOrigin(index)
        var sums = [Int](repeating: 0, count: grid.count)
        for y in 0..<renderer.panelSide {
            for x in 0..<renderer.panelSide {
                let patch = (y * grid.height / renderer.panelSide) * grid.width + x * grid.width / renderer.panelSide
                let i = 3 * ((origin.y + y) * figure.width + origin.x + x)
                sums[patch] += Int(figure.pixels[i]) + Int(figure.pixels[i + 1]) + Int(figure.pixels[i + 2])
            }
        }
        return sums.indices.max { sums[$0] < sums[$1] }!
    }

    @Test func pngDecodesWithOnePanelPerWordAndTheHottestPatchAtTheArgmax() throws {
        var rng = RandomGenerator(seed: 7)
        // α for 5 words over 12 patches, each row a softmax with a clear maximum somewhere else.
        let alpha = (Tensor.randomNormal([5, grid.count], using: &rng) * 2).softmax(axis: -1)
        let captions = ["age 55", "female", "forearm", "itch", "bleed"]
        let panels = captions.enumerated().map { l, caption in
            AttentionHeatmap.Panel(caption: caption, weights: Array(alpha.scalars[(l * grid.count)..<((l + 1) * grid.count)]))
        }
        let renderer = AttentionHeatmap(panelSide: 48, columns: 3, captionScale: 1, opacity: 0.7, margin: 4)
        let png = try PNGEncoder.encode(try renderer.render(photo: photo, grid: grid, panels: panels))
        let decoded = try PNGDecoder.decode(png)
        // 3 columns × 2 rows of 48-pixel panels, 4-pixel margins, captions 7 + 2·4 pixels tall.
        #expect(decoded.width == 4 + 3 * (48 + 4))
        #expect(decoded.height == 4 + 2 * (48 + 7 + 8))
        #expect(renderer.figureSize(panelCount: 5) == (decoded.width, decoded.height))
        for l in captions.indices {
            let row = Array(alpha.scalars[(l * grid.count)..<((l + 1) * grid.count)])
            let argmax = row.indices.max { row[$0] < row[$1] }!
            #expect(hottestPatch(decoded, renderer, panel: l) == argmax, "panel \(l)")
        }
    }

    @Test func featuresOfOneSampleGiveOnePanelPerWordWithTheHottestPatchAtTheLocalLossArgmax() throws {
        var rng = RandomGenerator(seed: 11)
        // [CLS] lesion on forearm [SEP]: three words over a 3 × 4 grid of 8-wide features.
        let text = TextFeatures(cls: Tensor.randomNormal([1, 8], using: &rng), tokens: Tensor.randomNormal([1, 5, 8], using: &rng) * 3,
                                mask: Tensor.ones([1, 5]), wordMask: Tensor(shape: [1, 5], scalars: [0, 1, 1, 1, 0]))
        let image = ImageFeatures(global: Tensor.randomNormal([1, 8], using: &rng), tokens: Tensor.randomNormal([1, 12, 8], using: &rng),
                                  grid: grid)
        let renderer = AttentionHeatmap(panelSide: 48, columns: 4, captionScale: 1, margin: 4)
        let figure = try PNGDecoder.decode(try PNGEncoder.encode(
            try renderer.render(photo: photo, text: text, image: image, tokens: ["[CLS]", "lesion", "on", "forearm", "[SEP]"])))
        #expect((figure.width, figure.height) == renderer.figureSize(panelCount: 3))
        let alpha = try LocalSemanticLoss.wordToPatchAttention(text: text, image: image).scalars
        for (panel, position) in [1, 2, 3].enumerated() {
            let row = Array(alpha[(position * 12)..<((position + 1) * 12)])
            #expect(hottestPatch(figure, renderer, panel: panel) == row.indices.max { row[$0] < row[$1] }!)
        }
        #expect(throws: AlignmentError.self) {
            try renderer.render(photo: photo, text: text, image: image, tokens: ["too", "few"])
        }
    }

    @Test func captionIsDrawnUnderThePanel() throws {
        let renderer = AttentionHeatmap(panelSide: 48, columns: 1, captionScale: 1, margin: 4)
        let panel = AttentionHeatmap.Panel(caption: "MEL", weights: (0..<grid.count).map(Float.init))
        let figure = try renderer.render(photo: photo, grid: grid, panels: [panel])
        // The caption strip starts below the panel; some of its pixels are ink (black), none in an empty figure.
        let top = renderer.panelOrigin(0).y + renderer.panelSide
        let ink = (top..<figure.height).reduce(0) { count, y in
            count + (0..<figure.width).filter { x in figure.pixels[3 * (y * figure.width + x)] == 0 }.count
        }
        #expect(ink > 20)
        let blank = try renderer.render(photo: photo, grid: grid, panels: [.init(caption: "", weights: panel.weights)])
        #expect(blank.pixels[(3 * top * figure.width)...].allSatisfy { $0 == 255 })
    }

    @Test func wordPanelsJoinSubwordsAndDropPunctuation() throws {
        // WordPiece: "fore ##arm" is one word, "." is dropped, [CLS]/[SEP] are masked out.
        let tokens = ["[CLS]", "lesion", "on", "fore", "##arm", ".", "[SEP]"]
        let mask = [false, true, true, true, true, true, false]
        let alpha = Tensor(shape: [7, 2], scalars: [0, 0, 1, 0, 0, 1, 0.2, 0.8, 0.6, 0.4, 0.5, 0.5, 0, 0])
        let panels = try AttentionHeatmap.wordPanels(attention: alpha, tokens: tokens, wordMask: mask)
        #expect(panels.map(\.caption) == ["lesion", "on", "forearm"])
        #expect(abs(panels[2].weights[0] - 0.4) < 1e-6 && abs(panels[2].weights[1] - 0.6) < 1e-6)
        // Byte-level BPE: "Ġfore arm" is one word.
        let bpe = try AttentionHeatmap.wordPanels(attention: Tensor(shape: [3, 1], scalars: [1, 2, 3]),
                                                  tokens: ["ĠLesion", "Ġfore", "arm"], wordMask: [true, true, true])
        #expect(bpe.map(\.caption) == ["Lesion", "forearm"])
    }

    @Test func refusesWeightsThatDoNotFitTheGrid() {
        let renderer = AttentionHeatmap()
        #expect(throws: AlignmentError.self) {
            try renderer.render(photo: photo, grid: grid, panels: [.init(caption: "x", weights: [1, 2, 3])])
        }
        #expect(throws: AlignmentError.self) { try renderer.render(photo: photo, grid: grid, panels: []) }
    }

    @Test func fontFitsAndMarksUnknownCharacters() {
        #expect(BitmapFont.width(of: "ABC") == 17)
        #expect(BitmapFont.fitting("forearm", width: 23) == "fo..")
        #expect(BitmapFont.canDraw("a") && BitmapFont.canDraw("9") && !BitmapFont.canDraw("ß") && !BitmapFont.canDraw("é"))
    }
}
