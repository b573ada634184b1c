import Foundation

/// The EXIF orientation tag (0x0112) of a JPEG: how the stored pixels must be flipped or rotated to show the
/// picture upright. Values follow the EXIF standard and `PIL.ImageOps.exif_transpose`:
///
/// | value | stored image is shown after |
/// |---|---|
/// | 1 | nothing |
/// | 2 | a left–right mirror |
/// | 3 | a 180° rotation |
/// | 4 | a top–bottom mirror |
/// | 5 | a transpose (mirror across the main diagonal) |
/// | 6 | a 90° clockwise rotation |
/// | 7 | a transverse (mirror across the anti-diagonal) |
/// | 8 | a 90° counter-clockwise rotation |
public struct EXIFOrientation: Sendable, Equatable {
    /// The tag's value, 1…8 (1 when the file has no or a malformed tag).
    public let value: Int

    /// An orientation value; anything outside 1…8 is treated as 1 (upright).
    public init(value: Int) {
        self.value = (1...8).contains(value) ? value : 1
    }

    /// Reads the orientation from the APP1 "Exif" segment of JPEG bytes; a missing or malformed segment gives 1.
    public init(jpeg data: Data) {
        self.init(value: data.withUnsafeBytes { Self.parseJPEG([UInt8]($0)) ?? 1 })
    }

    /// Whether the upright image has width and height swapped relative to the stored one.
    public var swapsAxes: Bool { value >= 5 }

    /// `image` turned upright.
    public func applied(to image: RGBImage) -> RGBImage {
        guard value != 1 else { return image }
        let width = image.width, height = image.height
        let outWidth = swapsAxes ? height : width, outHeight = swapsAxes ? width : height
        var pixels = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        // Source pixel of output pixel (x, y).
                        let (sx, sy): (Int, Int)
                        switch value {
                        case 2: (sx, sy) = (width - 1 - x, y)
                        case 3: (sx, sy) = (width - 1 - x, height - 1 - y)
                        case 4: (sx, sy) = (x, height - 1 - y)
                        case 5: (sx, sy) = (y, x)
                        case 6: (sx, sy) = (y, height - 1 - x)
                        case 7: (sx, sy) = (width - 1 - y, height - 1 - x)
                        default: (sx, sy) = (width - 1 - y, x)  // 8
                        }
                        let s = 3 * (sy * width + sx), d = 3 * (y * outWidth + x)
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: pixels)
    }

    /// Walks the JPEG marker segments up to the start of scan, looking for APP1 "Exif\0\0".
    private static func parseJPEG(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var offset = 2
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            if marker == 0xFF { offset += 1; continue }  // fill byte
            if marker == 0xDA || marker == 0xD9 { return nil }  // start of scan / end of image: no EXIF before it
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { return nil }
            let body = offset + 4, bodyEnd = offset + 2 + length
            let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0]  // "Exif\0\0"
            if marker == 0xE1, bodyEnd - body >= 6, Array(bytes[body..<body + 6]) == exifHeader {
                return parseTIFF(Array(bytes[(body + 6)..<bodyEnd]))
            }
            offset = bodyEnd
        }
        return nil
    }

    /// Finds tag 0x0112 in IFD0 of a TIFF structure (either byte order).
    private static func parseTIFF(_ tiff: [UInt8]) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let bigEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x4D, 0x4D): bigEndian = true
        case (0x49, 0x49): bigEndian = false
        default: return nil
        }
        func read16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            return bigEndian ? Int(tiff[at]) << 8 | Int(tiff[at + 1]) : Int(tiff[at + 1]) << 8 | Int(tiff[at])
        }
        func read32(_ at: Int) -> Int? {
            guard let high = read16(bigEndian ? at : at + 2), let low = read16(bigEndian ? at + 2 : at) else { return nil }
            return high << 16 | low
        }
        guard read16(2) == 42, let ifd = read32(4), let count = read16(ifd) else { return nil }
        for entry in 0..<count {
            let at = ifd + 2 + 12 * entry
            guard let tag = read16(at) else { return nil }
            // Orientation is one SHORT (type 3), stored in the first two bytes of the value field.
            if tag == 0x0112, read16(at + 2) == 3 { return read16(at + 8) }
        }
        return nil
    }
}
