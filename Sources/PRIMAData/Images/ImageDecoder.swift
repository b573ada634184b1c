import Foundation

/// Decodes PNG or JPEG images, telling them apart by their first bytes rather than by the file extension.
public enum ImageDecoder {
    /// An image file format the decoder reads.
    public enum Format: String, Sendable {
        /// Portable Network Graphics.
        case png
        /// JPEG (JFIF or EXIF).
        case jpeg
    }

    /// The format announced by the signature at the start of `data`, or `nil` for anything else.
    public static func sniffFormat(_ data: Data) -> Format? {
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if data.count >= 8, data.prefix(8).elementsEqual(pngSignature) { return .png }
        if data.count >= 3, data.prefix(3).elementsEqual([0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// Decodes PNG or JPEG bytes; `fileName` only names the source in errors.
    /// - Throws: ``DataError`` `.badValue` naming the file for an unknown format or a corrupt or truncated image.
    public static func decode(_ data: Data, fileName: String = "<memory>") throws -> RGBImage {
        try decode(data, fileName: fileName, options: ImageDecodingOptions())
    }

    /// Decodes PNG or JPEG bytes within `options`' pixel limit, reduced by its size hint if set.
    /// - Throws: ``DataError`` `.badValue` naming the file for an unknown format, a corrupt or truncated image,
    ///   or one declaring more than ``ImageDecodingOptions/maximumPixelCount`` pixels.
    public static func decode(_ data: Data, fileName: String = "<memory>", options: ImageDecodingOptions) throws -> RGBImage {
        switch sniffFormat(data) {
        case .png: return try PNGDecoder.decode(data, fileName: fileName, options: options)
        case .jpeg: return try JPEGDecoder.decode(data, fileName: fileName, options: options)
        case nil:
            let head = data.prefix(8).map { String(format: "%02X", $0) }.joined(separator: " ")
            throw DataError(.badValue, file: fileName, "not a PNG or JPEG image (starts with \(head.isEmpty ? "nothing" : head))")
        }
    }

    /// Reads and decodes the PNG or JPEG file at `url`.
    /// - Throws: ``DataError`` `.missingFile` when the file cannot be read, `.badValue` when it is not a valid image.
    public static func decode(contentsOf url: URL) throws -> RGBImage {
        try decode(readImageFile(url), fileName: url.path)
    }

    /// Reads and decodes the PNG or JPEG file at `url` with `options`.
    /// - Throws: as ``decode(contentsOf:)``, and `.badValue` for a file over the pixel limit.
    public static func decode(contentsOf url: URL, options: ImageDecodingOptions) throws -> RGBImage {
        try decode(readImageFile(url), fileName: url.path, options: options)
    }

    /// A reader for loaders (``TwoViewLoader``, batch pipelines) that decodes PNG or JPEG with `options`.
    public static func reader(options: ImageDecodingOptions) -> @Sendable (URL) throws -> RGBImage {
        { url in try decode(contentsOf: url, options: options) }
    }
}
