import Foundation
import PRIMATensor
import Testing
@testable import PRIMAData

@Suite struct PNGTests {
    static func randomImage(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var rng = RandomGenerator(seed: seed)
        return RGBImage(width: width, height: height, pixels: (0..<width * height * 3).map { _ in UInt8(rng.nextInt(in: 0..<256)) })
    }

    @Test func encodeDecodeRoundTripsExactly() throws {
        for (w, h) in [(1, 1), (7, 3), (33, 20)] {
            let image = Self.randomImage(width: w, height: h, seed: UInt64(w * 100 + h))
            let data = try PNGEncoder.encode(image)
            #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            #expect(try PNGDecoder.decode(data) == image)
        }
    }

    @Test func writesAndReadsFiles() throws {
        let dir = TemporaryDirectory()
        let url = dir.url.appendingPathComponent("a.png")
        let image = Self.randomImage(width: 5, height: 4, seed: 1)
        try PNGEncoder.write(image, to: url)
        #expect(try PNGDecoder.read(url) == image)
        withExtendedLifetime(dir) {}
    }

    @Test func corruptOrMissingFilesAreReportedByName() throws {
        let error = #expect(throws: DataError.self) { try PNGDecoder.decode(Data("not a png".utf8), fileName: "x.png") }
        #expect(error?.file == "x.png")
        var truncated = try PNGEncoder.encode(Self.randomImage(width: 16, height: 16, seed: 2))
        truncated.count -= 40
        #expect(throws: DataError.self) { try PNGDecoder.decode(truncated, fileName: "cut.png") }
        let missing = #expect(throws: DataError.self) { try PNGDecoder.read(URL(fileURLWithPath: "/nonexistent/y.png")) }
        #expect(missing?.kind == .missingFile)
    }

    @Test func tensorConversionIsChannelFirstInUnitRange() {
        let image = RGBImage(width: 2, height: 1, pixels: [255, 0, 51, 0, 102, 255])
        let t = image.tensor
        #expect(t.shape == [3, 1, 2])
        #expect(t.scalars == [1, 0, 0, 0.4, 0.2, 1])
        #expect(RGBImage(tensor: t) == image)
    }
}
