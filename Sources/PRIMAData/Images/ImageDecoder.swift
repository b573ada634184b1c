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
        switch sniffFormat(data) {
        case .png: return try PNGDecoder.decode(data, fileName: fileName)
        case .jpeg: return try JPEGDecoder.decode(data, fileName: fileName)
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
}
