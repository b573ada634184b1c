import CPNG
import Foundation

/// Writes 8-bit RGB PNG files with libpng's simplified API (no `setjmp` error handling to cross into Swift).
public enum PNGEncoder {
    /// Encodes `image` as PNG bytes.
    /// - Throws: ``DataError`` `.io` with libpng's message.
    public static func encode(_ image: RGBImage) throws -> Data {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        png.width = png_uint_32(image.width)
        png.height = png_uint_32(image.height)
        png.format = png_uint_32(PNG_FORMAT_RGB)
        var size: png_alloc_size_t = 0
        // First call measures, second writes.
        let measured = image.pixels.withUnsafeBytes { src in
            png_image_write_to_memory(&png, nil, &size, 0, src.baseAddress, 0, nil)
        }
        guard measured != 0 else { throw DataError(.io, "PNG encoding failed: \(libpngMessage(png))") }
        var data = Data(count: Int(size))
        let written = data.withUnsafeMutableBytes { dst in
            image.pixels.withUnsafeBytes { src in
                png_image_write_to_memory(&png, dst.baseAddress, &size, 0, src.baseAddress, 0, nil)
            }
        }
        guard written != 0 else { throw DataError(.io, "PNG encoding failed: \(libpngMessage(png))") }
        data.count = Int(size)
        return data
    }

    /// Encodes `image` and writes it to `url` (atomically).
    public static func write(_ image: RGBImage, to url: URL) throws {
        let data = try encode(image)
        do { try data.write(to: url, options: .atomic) } catch {
            throw DataError(.io, file: url.path, "cannot write the image: \(error.localizedDescription)")
        }
    }
}

/// The text of a `png_image`'s message buffer.
func libpngMessage(_ png: png_image) -> String {
    withUnsafeBytes(of: png.message) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}
