import Foundation

/// Keeps decoded photos in memory, so that a run decodes each file once instead of once per epoch, view and fold.
///
/// Training reads every photo of a split every epoch; with small models, inflating a PNG or decoding a JPEG
/// again each time is a visible share of the run. The cache wraps one decoder (one set of
/// ``ImageDecodingOptions``): an image comes back exactly as that decoder gives it.
///
/// Memory is bounded: images are kept until `byteBudget` bytes of pixels are held, later ones are decoded each
/// time they are read (for a run that cycles through the same files every epoch, keeping the first ones is as
/// good as any eviction policy, and costs nothing). A failed decode is not remembered: it throws again on the
/// next read, so a file fixed on disk during a run is read anew.
///
/// ```swift
/// let photos = DecodedImageCache(decode: ImageDecoder.reader(options: ImageDecodingOptions(minimumSide: 448)))
/// let loader = TwoViewLoader(samples: samples, transform: transform, renderer: renderer, encoder: encoder,
///                            configuration: .init(batchSize: 16), decode: photos.reader)
/// ```
public final class DecodedImageCache: @unchecked Sendable {
    /// The most pixel bytes held at once.
    public let byteBudget: Int
    private let decode: @Sendable (URL) throws -> RGBImage
    private var images: [String: RGBImage] = [:]
    private var bytes = 0
    private let lock = NSLock()

    /// A cache in front of `decode`, holding at most `byteBudget` bytes of pixels (default 512 MiB).
    public init(byteBudget: Int = 512 << 20, decode: @escaping @Sendable (URL) throws -> RGBImage) {
        precondition(byteBudget >= 0, "byte budget \(byteBudget) is negative")
        self.byteBudget = byteBudget
        self.decode = decode
    }

    /// The photo at `url`, decoded on the first read (or whenever it did not fit the budget).
    /// - Throws: what the decoder throws for that file.
    public func image(at url: URL) throws -> RGBImage {
        let key = url.standardizedFileURL.path
        if let image = lock.withLock({ images[key] }) { return image }
        // Decoded outside the lock: the loader's threads decode different files at the same time.
        let image = try decode(url)
        lock.withLock {
            if images[key] == nil && bytes + image.pixels.count <= byteBudget {
                images[key] = image
                bytes += image.pixels.count
            }
        }
        return image
    }

    /// ``image(at:)`` as a loader's `decode` argument.
    public var reader: @Sendable (URL) throws -> RGBImage {
        { [self] url in try image(at: url) }
    }

    /// Photos held and their pixel bytes.
    public var usage: (images: Int, bytes: Int) {
        lock.withLock { (images.count, bytes) }
    }
}
