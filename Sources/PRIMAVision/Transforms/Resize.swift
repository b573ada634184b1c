import PRIMATensor

extension ImageOps {
    /// Resizes a `[C, H, W]` image to `height × width`, as torchvision's `F.resize` on a float tensor
    /// (`interpolate(mode, align_corners=False, antialias)`). Separable: rows first, then columns; an axis whose
    /// size does not change is left alone. Values are not clamped (bicubic may overshoot [0, 1], as in torchvision).
    public static func resize(_ image: Tensor, height: Int, width: Int, interpolation: Interpolation = .bilinear,
                              antialias: Bool = true) -> Tensor {
        let (channels, inHeight, inWidth) = chw(image)
        precondition(height > 0 && width > 0, "resize to \(height)×\(width)")
        var current = image
        if width != inWidth {
            let taps = ResampleTaps(inputSize: inWidth, outputSize: width, interpolation: interpolation, antialias: antialias)
            current = resampleRows(current, rows: channels * inHeight, inWidth: inWidth, taps: taps,
                                   outShape: [channels, inHeight, width])
        }
        if height != inHeight {
            let taps = ResampleTaps(inputSize: inHeight, outputSize: height, interpolation: interpolation, antialias: antialias)
            current = resampleColumns(current, channels: channels, inHeight: inHeight, width: width, taps: taps)
        }
        return current
    }

    /// Horizontal pass: each of `rows` rows of `inWidth` samples becomes `taps.starts.count` samples.
    private static func resampleRows(_ input: Tensor, rows: Int, inWidth: Int, taps: ResampleTaps, outShape: [Int]) -> Tensor {
        let outWidth = taps.starts.count
        let output = Tensor(uninitializedShape: outShape)
        let src = input.storage.pointer, dst = output.storage.pointer
        taps.starts.withUnsafeBufferPointer { starts in
            taps.counts.withUnsafeBufferPointer { counts in
                taps.weights.withUnsafeBufferPointer { weights in
                    Parallel.forEachRange(rows, costPerItem: outWidth * taps.maxTaps) { range in
                        for row in range {
                            let inRow = src + row * inWidth, outRow = dst + row * outWidth
                            for x in 0..<outWidth {
                                let tap = inRow + starts[x], w = weights.baseAddress! + x * taps.maxTaps
                                var sum: Float = 0
                                for k in 0..<counts[x] { sum += w[k] * tap[k] }
                                outRow[x] = sum
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Vertical pass: output row `y` of each channel is a weighted sum of whole input rows (vectorisable along x).
    private static func resampleColumns(_ input: Tensor, channels: Int, inHeight: Int, width: Int, taps: ResampleTaps) -> Tensor {
        let outHeight = taps.starts.count
        let output = Tensor(uninitializedShape: [channels, outHeight, width])
        let src = input.storage.pointer, dst = output.storage.pointer
        taps.starts.withUnsafeBufferPointer { starts in
            taps.counts.withUnsafeBufferPointer { counts in
                taps.weights.withUnsafeBufferPointer { weights in
                    Parallel.forEachRange(channels * outHeight, costPerItem: width * taps.maxTaps) { range in
                        for index in range {
                            let c = index / outHeight, y = index % outHeight
                            let outRow = dst + index * width
                            let firstRow = src + (c * inHeight + starts[y]) * width
                            let w = weights.baseAddress! + y * taps.maxTaps
                            for x in 0..<width { outRow[x] = w[0] * firstRow[x] }
                            for k in 1..<max(counts[y], 1) {
                                let inRow = firstRow + k * width, wk = w[k]
                                for x in 0..<width { outRow[x] += wk * inRow[x] }
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}

/// Resizes images to a fixed size, or so that their shorter side has a given length (keeping the aspect ratio).
public struct Resize: ImageTensorTransform {
    /// The size to resize to.
    public enum Size: Sendable {
        /// Exactly `height × width`.
        case exact(height: Int, width: Int)
        /// Shorter side becomes this length; the longer side is scaled by the same factor and truncated, as
        /// torchvision's `Resize(int)` does.
        case shorterSide(Int)
    }

    /// Target size.
    public var size: Size
    /// Filter.
    public var interpolation: Interpolation
    /// Widen the filter when shrinking so that no pixel is skipped (torchvision's and Pillow's default).
    public var antialias: Bool

    /// A resize to `size` with the given filter (bilinear with antialiasing by default).
    public init(_ size: Size, interpolation: Interpolation = .bilinear, antialias: Bool = true) {
        self.size = size
        self.interpolation = interpolation
        self.antialias = antialias
    }

    /// The output size for an input of `height × width`.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        switch size {
        case let .exact(h, w): return (h, w)
        case let .shorterSide(side):
            if height <= width { return (side, Int(Double(side) * Double(width) / Double(height))) }
            return (Int(Double(side) * Double(height) / Double(width)), side)
        }
    }

    public func apply(_ image: Tensor, using rng: inout RandomGenerator) -> Tensor {
        let (_, height, width) = ImageOps.chw(image)
        let target = outputSize(height: height, width: width)
        return ImageOps.resize(image, height: target.height, width: target.width, interpolation: interpolation, antialias: antialias)
    }
}
