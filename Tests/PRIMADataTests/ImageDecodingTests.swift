import Foundation
import PRIMATensor
import PRIMATestSupport
import Testing
@testable import PRIMAData

/// Decoding of the test images made by Scripts/reference/gen_images.py, against Pillow's
/// `ImageOps.exif_transpose(image).convert("RGB")`.
@Suite struct ImageDecodingTests {
    static let fixture = try! FixtureFile.load("image_decoding", in: .module)

    static func imageURL(_ name: String) -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/images") else {
            fatalError("test image \(name) missing; regenerate with Scripts/reference/generate.sh")
        }
        return url
    }

    /// Largest difference in 8-bit levels between a decoded image and Pillow's pixels ([H, W, 3]).
    static func maxLevelDifference(_ image: RGBImage, _ expected: Tensor) -> Float {
        #expect(expected.shape == [image.height, image.width, 3])
        guard expected.shape == [image.height, image.width, 3] else { return .infinity }
        return zip(image.pixels, expected.scalars).map { abs(Float($0) - $1) }.max() ?? 0
    }

    @Test func pngOfEveryColourTypeAndDepthMatchesPillowExactly() throws {
        let cases = Self.fixture.cases.filter { $0.name.hasSuffix(".png") }
        #expect(cases.count == 18)
        for testCase in cases {
            let image = try PNGDecoder.read(Self.imageURL(testCase.name))
            #expect(Self.maxLevelDifference(image, testCase.output("pixels")) == 0, "\(testCase.name)")
        }
    }

    @Test func jpegMatchesPillowWithinOneLevel() throws {
        let cases = Self.fixture.cases.filter { $0.name.hasSuffix(".jpg") }
        #expect(cases.count == 13)
        var worst: Float = 0
        for testCase in cases {
            let image = try JPEGDecoder.read(Self.imageURL(testCase.name))
            let difference = Self.maxLevelDifference(image, testCase.output("pixels"))
            #expect(difference <= Tolerance.jpegDecodeLevels, "\(testCase.name)")
            worst = max(worst, difference)
        }
        print("JPEG decode vs Pillow: max difference \(worst) levels")
    }

    @Test func exifOrientationIsReadAndApplied() throws {
        let upright = try JPEGDecoder.read(Self.imageURL("orientation1.jpg"))
        for value in 1...8 {
            let data = try Data(contentsOf: Self.imageURL("orientation\(value).jpg"))
            let orientation = EXIFOrientation(jpeg: data)
            #expect(orientation.value == value)
            let stored = try JPEGDecoder.decode(data, applyingOrientation: false)
            #expect(stored == upright, "the stored pixels do not depend on the tag")
            let turned = orientation.applied(to: stored)
            #expect(turned.width == (value >= 5 ? stored.height : stored.width))
        }
        // A JPEG without an EXIF segment is upright.
        #expect(EXIFOrientation(jpeg: try Data(contentsOf: Self.imageURL("baseline.jpg"))).value == 1)
        #expect(EXIFOrientation(jpeg: Data([0xFF, 0xD8, 0xFF, 0xE1, 0x00])).value == 1)
    }

    @Test func formatIsSniffedFromTheBytesNotTheName() throws {
        let dir = TemporaryDirectory()
        let jpeg = try Data(contentsOf: Self.imageURL("progressive.jpg"))
        let misnamed = dir.url.appendingPathComponent("photo.png")
        try jpeg.write(to: misnamed)
        #expect(ImageDecoder.sniffFormat(jpeg) == .jpeg)
        #expect(try ImageDecoder.decode(contentsOf: misnamed) == JPEGDecoder.decode(jpeg))
        let png = try Data(contentsOf: Self.imageURL("rgb8.png"))
        #expect(ImageDecoder.sniffFormat(png) == .png)
        #expect(try ImageDecoder.decode(contentsOf: Self.imageURL("rgb8.png")) == PNGDecoder.decode(png))
        withExtendedLifetime(dir) {}
    }

    @Test func brokenFilesThrowErrorsNamingTheFile() throws {
        for name in ["baseline_truncated.jpg", "progressive_truncated.jpg", "rgb8_truncated.png", "not_an_image.png"] {
            let url = Self.imageURL(name)
            let error = #expect(throws: DataError.self, "\(name)") { try ImageDecoder.decode(contentsOf: url) }
            #expect(error?.kind == .badValue)
            #expect(error?.file == url.path)
            #expect(error?.description.contains(name) == true)
        }
        let jpegAsPNG = #expect(throws: DataError.self) {
            try PNGDecoder.decode(Data(contentsOf: Self.imageURL("baseline.jpg")), fileName: "a.png")
        }
        #expect(jpegAsPNG?.file == "a.png")
        #expect(throws: DataError.self) { try JPEGDecoder.decode(Data(), fileName: "empty.jpg") }
        let missing = #expect(throws: DataError.self) { try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: "/nonexistent/z.jpg")) }
        #expect(missing?.kind == .missingFile)
    }
}
