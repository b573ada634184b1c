import CImageCodecs
import Foundation

/// Writes 8-bit RGB images as baseline JPEG files with libjpeg-turbo (4:2:0 chroma subsampling, the standard
/// quantisation tables scaled to a quality). Lossy: decoding gives back close, not equal, pixels.
public enum JPEGEncoder {
    /// libjpeg's default quality, a common choice of cameras and tools.
    public static let defaultQuality = 75

    /// Encodes `image` as JPEG bytes.
    /// - Parameters:
    ///   - image: the pixels to encode.
    ///   - quality: 1 (smallest file) … 100 (least loss).
    /// - Throws: ``DataError`` `.io` with libjpeg's message.
    public static func encode(_ image: RGBImage, quality: Int = defaultQuality) throws -> Data {
        precondition((1...100).contains(quality), "JPEG quality must be in 1…100, got \(quality)")
        var encoded = prima_encoded_image()
        defer { prima_encoded_release(&encoded) }
        let status = image.pixels.withUnsafeBufferPointer { src in
            prima_encode_jpeg(src.baseAddress, Int32(image.width), Int32(image.height), Int32(quality), &encoded)
        }
        guard status == 0, let bytes = encoded.bytes else {
            let message = withUnsafeBytes(of: encoded.error) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
            throw DataError(.io, "JPEG encoding failed: \(message)")
        }
        return Data(bytes: bytes, count: Int(encoded.size))
    }

    /// Encodes `image` and writes it to `url` (atomically).
    /// - Throws: ``DataError`` `.io` naming the file.
    public static func write(_ image: RGBImage, to url: URL, quality: Int = defaultQuality) throws {
        let data = try encode(image, quality: quality)
        do { try data.write(to: url, options: .atomic) } catch {
            throw DataError(.io, file: url.path, "cannot write the image: \(error.localizedDescription)")
        }
    }
}
