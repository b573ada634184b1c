/// Limits and size hints for decoding a photo, so that a huge file costs memory in proportion to what the
/// caller keeps rather than to what the file declares.
///
/// ```swift
/// // A model that resizes every photo to 224 × 224 does not need more than 448 pixels a side.
/// let options = ImageDecodingOptions(minimumSide: 448)
/// let image = try ImageDecoder.decode(contentsOf: url, options: options)
/// ```
public struct ImageDecodingOptions: Sendable, Equatable {
    /// The default ``maximumPixelCount``: 100 million pixels (e.g. 12 000 × 8 000), well above camera and
    /// dermatoscope photos, and a full decode of it stays under about 1 GB.
    public static let defaultMaximumPixelCount = 100_000_000

    /// Files declaring more pixels (width × height, before any reduction) are refused with a
    /// ``DataError`` `.badValue` before any pixel memory is allocated.
    public var maximumPixelCount: Int

    /// A size hint: when set, the decoder may shrink the image by a factor of 2, 4 or 8 — the largest that
    /// keeps both sides at least `minimumSide` — while decoding. JPEG then decodes at the reduced size
    /// (libjpeg's scaled inverse DCT), PNG averages square boxes of pixels as its rows stream in; either way
    /// memory follows the reduced size. `nil` (the default) decodes at full size, pixel for pixel as Pillow.
    public var minimumSide: Int?

    /// Options; by default no reduction and a limit of ``defaultMaximumPixelCount`` pixels.
    public init(maximumPixelCount: Int = defaultMaximumPixelCount, minimumSide: Int? = nil) {
        precondition(maximumPixelCount > 0, "maximumPixelCount must be positive")
        precondition(minimumSide.map { $0 > 0 } ?? true, "minimumSide must be positive")
        self.maximumPixelCount = maximumPixelCount
        self.minimumSide = minimumSide
    }
}
