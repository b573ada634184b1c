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
    ///   Files over ``ImageDecodingOptions/defaultMaximumPixelCount`` pixels are refused.
    public static func decode(_ data: Data, fileName: String = "<memory>", applyingOrientation: Bool = true) throws -> RGBImage {
        try decode(data, fileName: fileName, applyingOrientation: applyingOrientation, options: ImageDecodingOptions())
    }

    /// Decodes JPEG bytes within `options`' pixel limit; with a size hint, libjpeg decodes straight to
    /// 1/2, 1/4 or 1/8 of the size (its scaled inverse DCT), so memory follows the reduced image.
    /// - Throws: as ``decode(_:fileName:applyingOrientation:)``, and `.badValue` for a file declaring more
    ///   than ``ImageDecodingOptions/maximumPixelCount`` pixels.
    public static func decode(_ data: Data, fileName: String = "<memory>", applyingOrientation: Bool = true,
                              options: ImageDecodingOptions) throws -> RGBImage {
        let image = try decodeWithCCodec(data, fileName: fileName, format: "JPEG", options: options) { prima_decode_jpeg($0, $1, $2, $3) }
        guard applyingOrientation else { return image }
        return EXIFOrientation(jpeg: data).applied(to: image)
    }

    /// Reads and decodes the JPEG file at `url`.
    /// - Throws: ``DataError`` `.missingFile` when the file cannot be read, `.badValue` when it is not a valid JPEG.
    public static func read(_ url: URL) throws -> RGBImage {
        try decode(readImageFile(url), fileName: url.path)
    }

    /// Reads and decodes the JPEG file at `url` with `options`.
    /// - Throws: as ``read(_:)``, and `.badValue` for a file over the pixel limit.
    public static func read(_ url: URL, options: ImageDecodingOptions) throws -> RGBImage {
        try decode(readImageFile(url), fileName: url.path, options: options)
    }
}
