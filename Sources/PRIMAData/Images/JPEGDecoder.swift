import CImageCodecs
import Foundation

/// Reads baseline and progressive JPEG files (greyscale or colour) into 8-bit RGB with libjpeg-turbo, with the
/// same settings as Pillow (accurate integer DCT, fancy upsampling), and turns the image upright according to
/// its EXIF orientation, as `PIL.ImageOps.exif_transpose` does.
public enum JPEGDecoder {
    /// Decodes JPEG bytes.
    /// - Parameters:
    ///   - data: the bytes of a JPEG file.
    ///   - fileName: names the source in errors only.
    ///   - applyingOrientation: rotate/flip by the EXIF orientation tag (default `true`).
    /// - Throws: ``DataError`` `.badValue` naming the file when the bytes are not a complete, readable JPEG
    ///   (a file that ends early is an error, not an image padded with grey). CMYK JPEGs are not supported.
    public static func decode(_ data: Data, fileName: String = "<memory>", applyingOrientation: Bool = true) throws -> RGBImage {
        let image = try decodeWithCCodec(data, fileName: fileName, format: "JPEG") { prima_decode_jpeg($0, $1, $2) }
        guard applyingOrientation else { return image }
        return EXIFOrientation(jpeg: data).applied(to: image)
    }

    /// Reads and decodes the JPEG file at `url`.
    /// - Throws: ``DataError`` `.missingFile` when the file cannot be read, `.badValue` when it is not a valid JPEG.
    public static func read(_ url: URL) throws -> RGBImage {
        try decode(readImageFile(url), fileName: url.path)
    }
}
