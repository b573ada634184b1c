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
    public static func decode(_ data: Data, fileName: String = "<memory>") throws -> RGBImage {
        try decodeWithCCodec(data, fileName: fileName, format: "PNG") { prima_decode_png($0, $1, $2) }
    }

    /// Reads and decodes the PNG file at `url`.
    /// - Throws: ``DataError`` `.missingFile` when the file cannot be read, `.badValue` when it is not a valid PNG.
    public static func read(_ url: URL) throws -> RGBImage {
        try decode(readImageFile(url), fileName: url.path)
    }
}
