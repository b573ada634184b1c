import Foundation
import Testing
@testable import PRIMAData

@Suite struct JPEGEncoderTests {
    /// A smooth colour gradient with a darker disc: JPEG keeps it close at high quality.
    static let image: RGBImage = {
        let width = 37, height = 23
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let disc = (x - 18) * (x - 18) + (y - 11) * (y - 11) < 36
                let i = 3 * (y * width + x)
                pixels[i] = UInt8(40 + 5 * x - (disc ? 30 : 0))
                pixels[i + 1] = UInt8(60 + 6 * y)
                pixels[i + 2] = UInt8(disc ? 80 : 180)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }()

    static func meanAbsoluteError(_ a: RGBImage, _ b: RGBImage) -> Double {
        zip(a.pixels, b.pixels).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.pixels.count)
    }

    @Test func encodedBytesDecodeBackCloseToTheImage() throws {
        let data = try JPEGEncoder.encode(Self.image, quality: 95)
        #expect(ImageDecoder.sniffFormat(data) == .jpeg)
        let decoded = try ImageDecoder.decode(data)
        #expect(decoded.width == Self.image.width && decoded.height == Self.image.height)
        let error = Self.meanAbsoluteError(decoded, Self.image)
        #expect(error < 3, "mean absolute error \(error) levels at quality 95")
    }

    @Test func lowerQualityGivesSmallerFilesAndLargerErrors() throws {
        let low = try JPEGEncoder.encode(Self.image, quality: 10), high = try JPEGEncoder.encode(Self.image, quality: 95)
        #expect(low.count < high.count)
        #expect(try Self.meanAbsoluteError(ImageDecoder.decode(low), Self.image) > Self.meanAbsoluteError(ImageDecoder.decode(high), Self.image))
    }

    @Test func writeIsAtomicAndNamesTheFileOnFailure() throws {
        let dir = TemporaryDirectory()
        let url = dir.url.appendingPathComponent("photo.jpg")
        try JPEGEncoder.write(Self.image, to: url)
        #expect(try JPEGDecoder.read(url).width == Self.image.width)
        let missing = dir.url.appendingPathComponent("no-such-folder/photo.jpg")
        let error = #expect(throws: DataError.self) { try JPEGEncoder.write(Self.image, to: missing) }
        #expect(error?.kind == .io && error?.file == missing.path)
        withExtendedLifetime(dir) {}
    }

    @Test func sameImageSameBytes() throws {
        #expect(try JPEGEncoder.encode(Self.image) == JPEGEncoder.encode(Self.image))
    }
}
