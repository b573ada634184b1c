import PRIMATensor

/// An 8-bit RGB image, pixels interleaved row by row (`R G B R G B …`), as decoded from a file.
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `height × width × 3` bytes.
    public var pixels: [UInt8]

    /// An image from interleaved RGB bytes (`width × height × 3`).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3,
                     "\(pixels.count) bytes for a \(width)×\(height) RGB image")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A black image.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
    }

    /// The image as a [3, H, W] tensor with values in [0, 1] (channel-first, as the vision models take it).
    public var tensor: Tensor {
        let plane = width * height
        let out = Tensor(uninitializedShape: [3, height, width])
        let dst = out.storage.pointer
        pixels.withUnsafeBufferPointer { src in
            for i in 0..<plane {
                dst[i] = Float(src[3 * i]) / 255
                dst[plane + i] = Float(src[3 * i + 1]) / 255
                dst[2 * plane + i] = Float(src[3 * i + 2]) / 255
            }
        }
        return out
    }

    /// Quantises a [3, H, W] tensor in [0, 1] (values outside are clamped) to 8 bits.
    public init(tensor: Tensor) {
        precondition(tensor.rank == 3 && tensor.shape[0] == 3, "expected a [3, H, W] tensor, got \(tensor.shape)")
        let height = tensor.shape[1], width = tensor.shape[2], plane = width * height
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        let src = tensor.storage.pointer
        for i in 0..<plane {
            for c in 0..<3 { pixels[3 * i + c] = UInt8((min(max(src[c * plane + i], 0), 1) * 255).rounded()) }
        }
        self.init(width: width, height: height, pixels: pixels)
    }
}
