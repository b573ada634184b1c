import CImageCodecs
import Foundation

/// Runs one of the C decoders over `data` and wraps its RGB8 output, or throws its message naming `fileName`.
func decodeWithCCodec(_ data: Data, fileName: String, format: String, options: ImageDecodingOptions,
                      _ codec: (UnsafePointer<UInt8>, Int, UnsafePointer<prima_decode_options>, UnsafeMutablePointer<prima_decoded_image>) -> Int32) throws -> RGBImage {
    var decoded = prima_decoded_image()
    defer { prima_image_release(&decoded) }
    var limits = prima_decode_options(max_pixels: options.maximumPixelCount,
                                      min_side: Int32(clamping: options.minimumSide ?? 0))
    let status = data.withUnsafeBytes { raw -> Int32 in
        guard let base = raw.bindMemory(to: UInt8.self).baseAddress, raw.count > 0 else { return -1 }
        return codec(base, raw.count, &limits, &decoded)
    }
    let message = withUnsafeBytes(of: decoded.error) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    if status == PRIMA_IMAGE_TOO_LARGE {
        throw DataError(.badValue, file: fileName,
                        "the \(format) is too large to decode: \(message) (ImageDecodingOptions.maximumPixelCount)")
    }
    guard status == 0, let pixels = decoded.pixels else {
        throw DataError(.badValue, file: fileName, "not a readable \(format): \(status == -1 ? "the file is empty" : message)")
    }
    let width = Int(decoded.width), height = Int(decoded.height)
    let bytes = [UInt8](UnsafeBufferPointer(start: pixels, count: width * height * 3))
    return RGBImage(width: width, height: height, pixels: bytes)
}

/// Reads a whole file, naming it in the error.
func readImageFile(_ url: URL) throws -> Data {
    do { return try Data(contentsOf: url) } catch {
        throw DataError(.missingFile, file: url.path, "cannot read the image: \(error.localizedDescription)")
    }
}
