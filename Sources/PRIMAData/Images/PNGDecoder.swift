import CImageCodecs
import Foundation

/// Reads PNG files of every colour type and bit depth into 8-bit RGB, as Pillow's `Image.convert("RGB")` does:
///
/// - grey (1, 2, 4, 8, 16 bit) is replicated to R, G and B; palettes are looked up;
/// - 16-bit samples keep their high byte (`v >> 8`). Pillow does this for RGB, RGBA and grey+alpha; for plain
///   16-bit grey Pillow clips the 16-bit value to 255 instead, which loses the image, so we take the high byte there too;
/// - alpha (an alpha channel, or a tRNS chunk) is dropped, not composited: transparent pixels keep their colour;
/// - gamma (gAMA, sRGB, iCCP) is ignored, like Pillow; so is an EXIF orientation in an eXIf chunk (only JPEG's
///   orientation is applied, see ``JPEGDecoder``).
public enum PNGDecoder {
    /// Decodes PNG bytes; `fileName` only names the source in errors.
    /// - Throws: ``DataError`` `.badValue` naming the file when the bytes are not a complete, readable PNG.
    ///   Files over ``ImageDecodingOptions/defaultMaximumPixelCount`` pixels are refused.
    public static func decode(_ data: Data, fileName: String = "<memory>") throws -> RGBImage {
        try decode(data, fileName: fileName, options: ImageDecodingOptions())
    }

    /// Decodes PNG bytes within `options`' pixel limit, reduced by its size hint if set (box averages).
    /// - Throws: ``DataError`` `.badValue` naming the file when the bytes are not a complete, readable PNG or
    ///   declare more than ``ImageDecodingOptions/maximumPixelCount`` pixels.
    public static func decode(_ data: Data, fileName: String = "<memory>", options: ImageDecodingOptions) throws -> RGBImage {
        try decodeWithCCodec(data, fileName: fileName, format: "PNG", options: options) { prima_decode_png($0, $1, $2, $3) }
    }

    /// Reads and decodes the PNG file at `url`.
    /// - Throws: ``DataError`` `.missingFile` when the file cannot be read, `.badValue` when it is not a valid PNG.
    public static func read(_ url: URL) throws -> RGBImage {
        try decode(readImageFile(url), fileName: url.path)
    }

    /// Reads and decodes the PNG file at `url` with `options`.
    /// - Throws: as ``read(_:)``, and `.badValue` for a file over the pixel limit.
    public static func read(_ url: URL, options: ImageDecodingOptions) throws -> RGBImage {
        try decode(readImageFile(url), fileName: url.path, options: options)
    }

    /// A reader for loaders (``TwoViewLoader``, batch pipelines) that decodes with `options`.
    public static func reader(options: ImageDecodingOptions) -> @Sendable (URL) throws -> RGBImage {
        { url in try read(url, options: options) }
    }
}
