import PRIMATensor

extension ImageOps {
    /// The `height × width` window whose top-left pixel is (`top`, `left`); parts outside the image are `fill`
    /// (torchvision's `crop`, which pads with zeros).
    public static func crop(_ image: Tensor, top: Int, left: Int, height: Int, width: Int, fill: Float = 0) -> Tensor {
        let (channels, inHeight, inWidth) = chw(image)
        precondition(height > 0 && width > 0, "crop to \(height)×\(width)")
        let output = Tensor(uninitializedShape: [channels, height, width])
        let src = image.storage.pointer, dst = output.storage.pointer
        // Columns of the window that lie inside the image.
        let firstX = min(max(-left, 0), width), endX = max(min(inWidth - left, width), firstX)
        for c in 0..<channels {
            for y in 0..<height {
                let outRow = dst + (c * height + y) * width
                let sy = top + y
                guard sy >= 0 && sy < inHeight else {
                    outRow.update(repeating: fill, count: width)
                    continue
                }
                outRow.update(repeating: fill, count: firstX)
                (outRow + firstX).update(from: src + (c * inHeight + sy) * inWidth + left + firstX, count: endX - firstX)
                (outRow + endX).update(repeating: fill, count: width - endX)
            }
        }
        return output
    }

    /// The central `height × width` window, as torchvision's `center_crop`: offsets `round((H - h) / 2)` with
    /// Python's round-half-to-even, and zero padding (`⌊·/2⌋` before, the rest after) when the window is larger.
    public static func centerCrop(_ image: Tensor, height: Int, width: Int) -> Tensor {
        let (_, inHeight, inWidth) = chw(image)
        func offset(_ inSize: Int, _ size: Int) -> Int {
            if size > inSize { return -((size - inSize) / 2) }
            return Int((Double(inSize - size) / 2).rounded(.toNearestOrEven))
        }
        return crop(image, top: offset(inHeight, height), left: offset(inWidth, width), height: height, width: width)
    }
}

/// Crops the centre of the image (see ``ImageOps/centerCrop(_:height:width:)``).
public struct CenterCrop: ImageTensorTransform {
    /// Output height.
    public var height: Int
    /// Output width.
    public var width: Int

    /// A centre crop to `height × width`.
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    public func apply(_ image: Tensor, using rng: inout RandomGenerator) -> Tensor {
        ImageOps.centerCrop(image, height: height, width: width)
    }
}
