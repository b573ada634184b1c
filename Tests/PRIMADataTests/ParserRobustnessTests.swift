import Foundation
import PRIMATensor
import PRIMATestSupport
import Testing
@testable import PRIMAData

/// Bad bytes are located (CSV that is not UTF-8, schema JSON with a syntax error), huge photos are refused
/// above a configurable pixel limit or reduced while decoding, and mutated CSV, schema, PNG and JPEG files
/// either parse or throw — a crash would end the test process.
@Suite struct ParserRobustnessTests {
    // MARK: CSV and schema errors

    @Test func csvThatIsNotUTF8NamesTheLineAndByteColumn() throws {
        var bytes = Array("id,name\n1,ok\n2,caf".utf8)
        bytes.append(0xE9)  // "é" in Latin-1
        bytes += Array(",x\n".utf8)
        let error = #expect(throws: DataError.self) { try CSVTable(data: Data(bytes), fileName: "latin1.csv") }
        #expect(error?.kind == .malformedCSV)
        #expect(error?.line == 3)
        #expect(error?.description.contains("latin1.csv, line 3") == true)
        #expect(error?.message.contains("0xE9 at byte column 6") == true, "\(error.map(String.init(describing:)) ?? "")")
        let dir = TemporaryDirectory()
        let url = dir.url.appendingPathComponent("latin1.csv")
        try Data(bytes).write(to: url)
        let fromFile = #expect(throws: DataError.self) { try CSVTable(contentsOf: url) }
        #expect(fromFile?.line == 3)
        // Valid multi-byte UTF-8 (and a byte-order mark) still parses.
        let table = try CSVTable(data: Data("\u{FEFF}a,b\ncafé,😀\n".utf8), fileName: "ok.csv")
        #expect(table.rows[0].cells == ["café", "😀"])
    }

    @Test func schemaJSONSyntaxErrorsNameTheLineAndColumn() throws {
        let dir = TemporaryDirectory()
        let url = dir.write("{\n  \"label\": {\"field\": \"label\", \"classes\": [\"a\" \"b\"]},\n  \"fields\": []\n}", to: "schema.json")
        let error = #expect(throws: DataError.self) { try MetadataSchema(contentsOf: url) }
        #expect(error?.file == "schema.json")
        #expect(error?.message.contains("line 2, column 47") == true, "\(error.map(String.init(describing:)) ?? "")")
    }

    // MARK: Image size limits and reduction

    static func randomImage(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var rng = RandomGenerator(seed: seed)
        return RGBImage(width: width, height: height, pixels: (0..<width * height * 3).map { _ in UInt8(rng.nextInt(in: 0..<256)) })
    }

    /// The average of each `factor × factor` box (partial boxes at the right and bottom edges), rounded.
    static func boxAverage(_ image: RGBImage, factor: Int) -> RGBImage {
        let w = (image.width + factor - 1) / factor, h = (image.height + factor - 1) / factor
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for oy in 0..<h {
            for ox in 0..<w {
                for c in 0..<3 {
                    var sum = 0, count = 0
                    for y in (oy * factor)..<min(image.height, (oy + 1) * factor) {
                        for x in (ox * factor)..<min(image.width, (ox + 1) * factor) {
                            sum += Int(image.pixels[(y * image.width + x) * 3 + c])
                            count += 1
                        }
                    }
                    out[(oy * w + ox) * 3 + c] = UInt8((sum + count / 2) / count)
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    @Test func imagesAboveThePixelLimitAreRefusedNamingTheLimit() throws {
        let png = try PNGEncoder.encode(Self.randomImage(width: 40, height: 30, seed: 1))
        let limit = ImageDecodingOptions(maximumPixelCount: 1_199)
        let error = #expect(throws: DataError.self) { try ImageDecoder.decode(png, fileName: "big.png", options: limit) }
        #expect(error?.file == "big.png")
        #expect(error?.message.contains("40 x 30 pixels is above the limit of 1199") == true, "\(error.map(String.init(describing:)) ?? "")")
        #expect(error?.message.contains("maximumPixelCount") == true)
        #expect(try ImageDecoder.decode(png, options: ImageDecodingOptions(maximumPixelCount: 1_200)).width == 40)

        let jpeg = try Data(contentsOf: ImageDecodingTests.imageURL("photo64x48.jpg"))
        let jpegError = #expect(throws: DataError.self) {
            try ImageDecoder.decode(jpeg, fileName: "big.jpg", options: ImageDecodingOptions(maximumPixelCount: 3_000))
        }
        #expect(jpegError?.message.contains("64 x 48 pixels") == true, "\(jpegError.map(String.init(describing:)) ?? "")")
        #expect(ImageDecodingOptions().maximumPixelCount == ImageDecodingOptions.defaultMaximumPixelCount)
    }

    @Test func pngIsReducedByBoxAveragesWhileStreaming() throws {
        let image = Self.randomImage(width: 37, height: 23, seed: 7)
        let png = try PNGEncoder.encode(image)
        // Both sides must stay ≥ 5: 37×23 allows a factor of 4 (10×6) but not 8 (5×3).
        let reduced = try PNGDecoder.decode(png, options: ImageDecodingOptions(minimumSide: 5))
        #expect(reduced == Self.boxAverage(image, factor: 4))
        #expect(try PNGDecoder.decode(png, options: ImageDecodingOptions(minimumSide: 12)) == Self.boxAverage(image, factor: 1 + 1))
        #expect(try PNGDecoder.decode(png, options: ImageDecodingOptions(minimumSide: 24)) == image, "no reduction below the hint")
        // Interlaced files (rows in seven passes) and every colour type reduce the same way.
        for name in ["rgb8_interlaced.png", "rgb16_interlaced.png", "palette4.png", "grey_alpha8.png"] {
            let data = try Data(contentsOf: ImageDecodingTests.imageURL(name))
            let full = try PNGDecoder.decode(data)
            #expect(try PNGDecoder.decode(data, options: ImageDecodingOptions(minimumSide: 3)) == Self.boxAverage(full, factor: 2), "\(name)")
        }
    }

    @Test func jpegIsDecodedScaledByLibjpeg() throws {
        let data = try Data(contentsOf: ImageDecodingTests.imageURL("photo64x48.jpg"))
        let full = try JPEGDecoder.decode(data)
        for (side, factor) in [(48, 1), (24, 2), (12, 4), (6, 8), (1, 8)] {
            let reduced = try JPEGDecoder.decode(data, options: ImageDecodingOptions(minimumSide: side))
            #expect(reduced.width == 64 / factor && reduced.height == 48 / factor, "minimum side \(side)")
            // The scaled inverse DCT is close to averaging the full decode over the same boxes.
            let expected = Self.boxAverage(full, factor: factor)
            let meanDifference = zip(reduced.pixels, expected.pixels).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(expected.pixels.count)
            #expect(meanDifference < 4, "factor \(factor): mean difference \(meanDifference) levels")
        }
        let progressive = try JPEGDecoder.decode(Data(contentsOf: ImageDecodingTests.imageURL("progressive.jpg")),
                                                 options: ImageDecodingOptions(minimumSide: 3))
        #expect(progressive.width == 4 && progressive.height == 3)
    }

    // MARK: Fuzzing

    @Test func fuzzCSV() throws {
        let header = ["patient_id", "age", "smoke", "diagnostic", "img_id"]
        let rows = [["PAT_1", "55", "True", "BCC", "a.png"], ["PAT_2", "", "False", "MEL", "b \"x\", y.png"],
                    ["PAT_3", "7", "UNK", "NEV", "multi\nline.png"]]
        let seeds = [Data(CSVWriter.text(header: header, rows: rows).utf8), Data("a,b\r\n1,2\r\n".utf8)]
        let run = FuzzRun.run(seeds: seeds, iterations: 400, seed: 3) { data in
            let table = try CSVTable(data: data, fileName: "fuzz.csv")
            for row in table.rows { _ = try? table.columnIndex(table.header.first ?? ""); _ = row.cells.count }
        }
        print("CSV fuzz: \(run.summary)")
        #expect(run.parsed > 0 && run.refused > 0, "\(run.summary)")
    }

    @Test func fuzzMetadataSchema() throws {
        let dir = TemporaryDirectory()
        let seed = try JSONEncoder().encode(PADUFES.schema)
        let url = dir.url.appendingPathComponent("schema.json")
        let run = FuzzRun.run(seeds: [seed], iterations: 300, seed: 4) { data in
            try data.write(to: url)
            _ = try MetadataSchema(contentsOf: url)
        }
        print("schema.json fuzz: \(run.summary)")
        #expect(run.parsed > 0 && run.refused > 0, "\(run.summary)")
    }

    @Test func fuzzPNG() throws {
        let seeds = try ["rgb8.png", "rgb8_interlaced.png", "palette4.png", "grey16.png", "rgba8.png"].map {
            try Data(contentsOf: ImageDecodingTests.imageURL($0))
        }
        let options = ImageDecodingOptions(maximumPixelCount: 4_000_000, minimumSide: 3)
        let run = FuzzRun.run(seeds: seeds, iterations: 400, seed: 5, png: true) { data in
            _ = try PNGDecoder.decode(data, options: ImageDecodingOptions(maximumPixelCount: 4_000_000))
            _ = try PNGDecoder.decode(data, options: options)
        }
        print("PNG fuzz: \(run.summary)")
        #expect(run.parsed > 0 && run.refused > 0, "\(run.summary)")
        #expect(run.slowest.seconds < 5, "\(run.summary)")
    }

    @Test func fuzzJPEG() throws {
        let seeds = try ["baseline.jpg", "progressive.jpg", "grey.jpg", "orientation6.jpg"].map {
            try Data(contentsOf: ImageDecodingTests.imageURL($0))
        }
        let options = ImageDecodingOptions(maximumPixelCount: 4_000_000, minimumSide: 2)
        let run = FuzzRun.run(seeds: seeds, iterations: 400, seed: 6) { data in
            _ = try JPEGDecoder.decode(data, options: ImageDecodingOptions(maximumPixelCount: 4_000_000))
            _ = try JPEGDecoder.decode(data, options: options)
        }
        print("JPEG fuzz: \(run.summary)")
        #expect(run.parsed > 0 && run.refused > 0, "\(run.summary)")
        #expect(run.slowest.seconds < 5, "\(run.summary)")
    }
}
