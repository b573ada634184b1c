import Foundation
import PRIMATensor
import Testing
@testable import PRIMAData

/// The decoded-photo cache: same images as its decoder, each file decoded once, the byte budget respected,
/// failures never remembered.
@Suite struct DecodedImageCacheTests {
    /// Counts the decoder's calls per file.
    final class CountingDecoder: @unchecked Sendable {
        private var calls: [String: Int] = [:]
        private let lock = NSLock()
        func decode(_ url: URL) throws -> RGBImage {
            lock.withLock { calls[url.lastPathComponent, default: 0] += 1 }
            return try ImageDecoder.decode(contentsOf: url)
        }
        func calls(_ name: String) -> Int { lock.withLock { calls[name, default: 0] } }
    }

    @Test func eachFileIsDecodedOnceAndComesBackUnchanged() throws {
        let folder = TemporaryDirectory()
        let images = [PNGTests.randomImage(width: 9, height: 5, seed: 1), PNGTests.randomImage(width: 4, height: 11, seed: 2)]
        let urls = try images.enumerated().map { i, image in
            let url = folder.url.appendingPathComponent("photo-\(i).png")
            try PNGEncoder.write(image, to: url)
            return url
        }
        let counter = CountingDecoder()
        let cache = DecodedImageCache { try counter.decode($0) }
        for _ in 0..<3 {
            for (url, image) in zip(urls, images) { #expect(try cache.reader(url) == image) }
        }
        // The same file named another way (a `.` component) is the same entry.
        let aliased = folder.url.appendingPathComponent(".").appendingPathComponent("photo-0.png")
        #expect(try cache.image(at: aliased) == images[0])
        #expect(counter.calls("photo-0.png") == 1 && counter.calls("photo-1.png") == 1)
        #expect(cache.usage.images == 2 && cache.usage.bytes == (9 * 5 + 4 * 11) * 3)
    }

    @Test func photosBeyondTheBudgetAreDecodedEachTime() throws {
        let folder = TemporaryDirectory()
        let small = folder.url.appendingPathComponent("small.png"), large = folder.url.appendingPathComponent("large.png")
        try PNGEncoder.write(PNGTests.randomImage(width: 4, height: 4, seed: 3), to: small)
        try PNGEncoder.write(PNGTests.randomImage(width: 10, height: 10, seed: 4), to: large)
        let counter = CountingDecoder()
        let cache = DecodedImageCache(byteBudget: 4 * 4 * 3 + 10) { try counter.decode($0) }
        for _ in 0..<3 {
            _ = try cache.image(at: small)
            _ = try cache.image(at: large)
        }
        #expect(counter.calls("small.png") == 1)
        #expect(counter.calls("large.png") == 3)
        #expect(cache.usage.images == 1 && cache.usage.bytes == 48)
    }

    @Test func aFailedDecodeIsNotRemembered() throws {
        let folder = TemporaryDirectory()
        let url = folder.write("not an image", to: "broken.png")
        let cache = DecodedImageCache { try ImageDecoder.decode(contentsOf: $0) }
        #expect(throws: DataError.self) { try cache.image(at: url) }
        // Repaired on disk: the next read decodes it.
        let image = PNGTests.randomImage(width: 3, height: 2, seed: 5)
        try PNGEncoder.write(image, to: url)
        #expect(try cache.image(at: url) == image)
        #expect(cache.usage.images == 1)
    }
}
