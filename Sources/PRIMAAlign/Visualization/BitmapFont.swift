import PRIMAData

/// A tiny 5 × 7 pixel font for captions on rendered images (heatmap panels), so that a figure needs no font
/// library. Covers space, digits, the letters (lower case is drawn as upper case) and common punctuation;
/// any other character is drawn as `?`.
public enum BitmapFont {
    /// Glyph width in font pixels.
    public static let glyphWidth = 5
    /// Glyph height in font pixels.
    public static let glyphHeight = 7
    /// Horizontal advance per character in font pixels (glyph plus one column of spacing).
    public static let advance = 6

    /// Rows of each glyph, top to bottom, `#` = ink. Drawn for this project.
    private static let rows: [Character: String] = [
        " ": ".....|.....|.....|.....|.....|.....|.....",
        "A": ".###.|#...#|#...#|#####|#...#|#...#|#...#",
        "B": "####.|#...#|#...#|####.|#...#|#...#|####.",
        "C": ".###.|#...#|#....|#....|#....|#...#|.###.",
        "D": "####.|#...#|#...#|#...#|#...#|#...#|####.",
        "E": "#####|#....|#....|####.|#....|#....|#####",
        "F": "#####|#....|#....|####.|#....|#....|#....",
        "G": ".###.|#...#|#....|#.###|#...#|#...#|.####",
        "H": "#...#|#...#|#...#|#####|#...#|#...#|#...#",
        "I": ".###.|..#..|..#..|..#..|..#..|..#..|.###.",
        "J": "..###|...#.|...#.|...#.|...#.|#..#.|.##..",
        "K": "#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#",
        "L": "#....|#....|#....|#....|#....|#....|#####",
        "M": "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#",
        "N": "#...#|##..#|#.#.#|#..##|#...#|#...#|#...#",
        "O": ".###.|#...#|#...#|#...#|#...#|#...#|.###.",
        "P": "####.|#...#|#...#|####.|#....|#....|#....",
        "Q": ".###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#",
        "R": "####.|#...#|#...#|####.|#.#..|#..#.|#...#",
        "S": ".####|#....|#....|.###.|....#|....#|####.",
        "T": "#####|..#..|..#..|..#..|..#..|..#..|..#..",
        "U": "#...#|#...#|#...#|#...#|#...#|#...#|.###.",
        "V": "#...#|#...#|#...#|#...#|#...#|.#.#.|..#..",
        "W": "#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.",
        "X": "#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#",
        "Y": "#...#|#...#|.#.#.|..#..|..#..|..#..|..#..",
        "Z": "#####|....#|...#.|..#..|.#...|#....|#####",
        "0": ".###.|#...#|#..##|#.#.#|##..#|#...#|.###.",
        "1": "..#..|.##..|..#..|..#..|..#..|..#..|.###.",
        "2": ".###.|#...#|....#|...#.|..#..|.#...|#####",
        "3": "#####|...#.|..#..|...#.|....#|#...#|.###.",
        "4": "...#.|..##.|.#.#.|#..#.|#####|...#.|...#.",
        "5": "#####|#....|####.|....#|....#|#...#|.###.",
        "6": "..##.|.#...|#....|####.|#...#|#...#|.###.",
        "7": "#####|....#|...#.|..#..|.#...|.#...|.#...",
        "8": ".###.|#...#|#...#|.###.|#...#|#...#|.###.",
        "9": ".###.|#...#|#...#|.####|....#|...#.|.##..",
        ".": ".....|.....|.....|.....|.....|.##..|.##..",
        ",": ".....|.....|.....|.....|.##..|..#..|.#...",
        ":": ".....|.##..|.##..|.....|.##..|.##..|.....",
        ";": ".....|.##..|.##..|.....|.##..|..#..|.#...",
        "-": ".....|.....|.....|#####|.....|.....|.....",
        "_": ".....|.....|.....|.....|.....|.....|#####",
        "+": ".....|..#..|..#..|#####|..#..|..#..|.....",
        "=": ".....|.....|#####|.....|#####|.....|.....",
        "/": ".....|....#|...#.|..#..|.#...|#....|.....",
        "(": "...#.|..#..|.#...|.#...|.#...|..#..|...#.",
        ")": ".#...|..#..|...#.|...#.|...#.|..#..|.#...",
        "'": "..#..|..#..|.#...|.....|.....|.....|.....",
        "\"": ".#.#.|.#.#.|.#.#.|.....|.....|.....|.....",
        "%": "##...|##..#|...#.|..#..|.#...|#..##|...##",
        "<": "...#.|..#..|.#...|#....|.#...|..#..|...#.",
        ">": ".#...|..#..|...#.|....#|...#.|..#..|.#...",
        "?": ".###.|#...#|....#|...#.|..#..|.....|..#..",
        "!": "..#..|..#..|..#..|..#..|..#..|.....|..#..",
        "#": ".#.#.|.#.#.|#####|.#.#.|#####|.#.#.|.#.#.",
        "*": ".....|..#..|#.#.#|.###.|#.#.#|..#..|.....",
        "&": ".##..|#..#.|#.#..|.#...|#.#.#|#..#.|.##.#",
    ]

    /// Each glyph as 7 row masks (bit 4 = leftmost column), parsed once.
    private static let glyphs: [Character: [UInt8]] = rows.mapValues { text in
        text.split(separator: "|").map { row in
            row.reduce(UInt8(0)) { mask, c in (mask << 1) | (c == "#" ? 1 : 0) }
        }
    }

    /// Whether `character` has its own glyph (after upper-casing); others are drawn as `?`.
    public static func canDraw(_ character: Character) -> Bool {
        let upper = character.uppercased()
        return upper.count == 1 && glyphs[Character(upper)] != nil
    }

    /// The row masks of `character`'s glyph, `?` for one without a glyph.
    private static func glyph(_ character: Character) -> [UInt8] {
        canDraw(character) ? glyphs[Character(character.uppercased())]! : glyphs["?"]!
    }

    /// The width in image pixels of `text` drawn at `scale` (no trailing spacing).
    public static func width(of text: String, scale: Int = 1) -> Int {
        text.isEmpty ? 0 : (text.count * advance - 1) * scale
    }

    /// `text` cut to fit `pixels` wide at `scale`, ending in `..` when cut.
    public static func fitting(_ text: String, width pixels: Int, scale: Int = 1) -> String {
        let capacity = max(0, (pixels / scale + 1) / advance)
        guard text.count > capacity else { return text }
        guard capacity > 2 else { return String(text.prefix(capacity)) }
        return String(text.prefix(capacity - 2)) + ".."
    }

    /// Draws `text` into `image` with its top-left corner at (`x`, `y`), each font pixel a `scale` × `scale`
    /// square of `color`; ink outside the image is clipped.
    public static func draw(_ text: String, into image: inout RGBImage, x: Int, y: Int, scale: Int = 1,
                            color: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        precondition(scale >= 1, "the font scale must be at least 1")
        let width = image.width, height = image.height
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            for (n, character) in text.enumerated() {
                let glyph = Self.glyph(character)
                let left = x + n * advance * scale
                for (row, mask) in glyph.enumerated() where mask != 0 {
                    for column in 0..<glyphWidth where mask & (1 << (glyphWidth - 1 - column)) != 0 {
                        for dy in 0..<scale {
                            let py = y + row * scale + dy
                            guard py >= 0, py < height else { continue }
                            for dx in 0..<scale {
                                let px = left + column * scale + dx
                                guard px >= 0, px < width else { continue }
                                let i = 3 * (py * width + px)
                                pixels[i] = color.0
                                pixels[i + 1] = color.1
                                pixels[i + 2] = color.2
                            }
                        }
                    }
                }
            }
        }
    }
}
