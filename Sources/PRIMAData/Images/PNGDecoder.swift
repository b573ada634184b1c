import CPNG
import Foundation

/// Reads PNG files into 8-bit RGB with libpng's simplified API: libpng converts grey, palette and 16-bit
/// images to RGB8 and composites an alpha channel onto black. Other formats (JPEG) are a later addition.
public enum PNGDecoder {
    /// Decodes PNG bytes; `fileName` only names the source in errors.
    /// - Throws: ``DataError`` `.badValue` naming the file when the bytes are not a readable PNG.
    public static func decode(_ data: Data, fileName: String = "<memory>") throws -> RGBImage {
        // libpng reads from the buffer until finish_read, so both calls stay inside one borrow of it.
        try data.withUnsafeBytes { raw in
            var png = png_image()
            png.version = png_uint_32(PNG_IMAGE_VERSION)
            guard png_image_begin_read_from_memory(&png, raw.baseAddress, raw.count) != 0 else {
                throw DataError(.badValue, file: fileName, "not a readable PNG: \(libpngMessage(png))")
            }
            png.format = png_uint_32(PNG_FORMAT_RGB)
            let width = Int(png.width), height = Int(png.height)
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            let finished = pixels.withUnsafeMutableBytes { dst in png_image_finish_read(&png, nil, dst.baseAddress, 0, nil) }
            guard finished != 0 else {
                let message = libpngMessage(png)
                png_image_free(&png)
                throw DataError(.badValue, file: fileName, "corrupt PNG: \(message)")
            }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
    }

    /// Reads and decodes the PNG file at `url`.
    public static func read(_ url: URL) throws -> RGBImage {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(.missingFile, file: url.path, "cannot read the image: \(error.localizedDescription)")
        }
        return try decode(data, fileName: url.path)
    }
}
