import PRIMAData
import PRIMATensor

/// Simple colour statistics of photos: cheap stand-in image features that let the harness tests train and
/// resume a classifier in seconds, without an image encoder.
///
/// Photos are first resized to a square (``resizeTransform(side:augment:)``); ``features(of:)`` then gives,
/// per colour channel, the mean and standard deviation of the central square (where a lesion usually is),
/// the mean of the border around it, and a histogram of the whole image over ``binCount`` equal bins.
enum ImageStatistics {
    /// Histogram bins per channel.
    static let binCount = 8
    /// Features per image: 3 channels × (centre mean, centre SD, border mean, bins).
    static var featureCount: Int { 3 * (3 + binCount) }

    /// A transform to a [3, side, side] tensor in [0, 1] by bilinear resizing; with `augment`, a random
    /// horizontal flip, vertical flip and quarter turn (a lesion has no up or left).
    static func resizeTransform(side: Int, augment: Bool) -> ImageTransform {
        precondition(side >= 4, "side must be at least 4")
        return { image, rng in
            let out = resized(image, side: side)
            guard augment else { return out }
            let flipH = rng.nextInt(in: 0..<2) == 1, flipV = rng.nextInt(in: 0..<2) == 1, turn = rng.nextInt(in: 0..<2) == 1
            return reoriented(out, flipHorizontal: flipH, flipVertical: flipV, transpose: turn)
        }
    }

    /// Bilinear resize (pixel centres aligned, as `align_corners=False`) to [3, side, side], values in [0, 1].
    static func resized(_ image: RGBImage, side: Int) -> Tensor {
        let out = Tensor(uninitializedShape: [3, side, side])
        let dst = out.storage.pointer, w = image.width, h = image.height, plane = side * side
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<side {
                let fy = max(0, (Double(y) + 0.5) * Double(h) / Double(side) - 0.5)
                let y0 = min(Int(fy), h - 1), y1 = min(y0 + 1, h - 1), wy = Float(fy - Double(y0))
                for x in 0..<side {
                    let fx = max(0, (Double(x) + 0.5) * Double(w) / Double(side) - 0.5)
                    let x0 = min(Int(fx), w - 1), x1 = min(x0 + 1, w - 1), wx = Float(fx - Double(x0))
                    for c in 0..<3 {
                        let a = Float(src[(y0 * w + x0) * 3 + c]), b = Float(src[(y0 * w + x1) * 3 + c])
                        let d = Float(src[(y1 * w + x0) * 3 + c]), e = Float(src[(y1 * w + x1) * 3 + c])
                        let top = a + (b - a) * wx, bottom = d + (e - d) * wx
                        dst[c * plane + y * side + x] = (top + (bottom - top) * wy) / 255
                    }
                }
            }
        }
        return out
    }

    /// `image` [3, S, S] flipped and/or transposed.
    static func reoriented(_ image: Tensor, flipHorizontal: Bool, flipVertical: Bool, transpose: Bool) -> Tensor {
        let side = image.shape[1], plane = side * side
        let out = Tensor(uninitializedShape: image.shape)
        let src = image.storage.pointer, dst = out.storage.pointer
        for c in 0..<3 {
            for y in 0..<side {
                for x in 0..<side {
                    var sy = flipVertical ? side - 1 - y : y, sx = flipHorizontal ? side - 1 - x : x
                    if transpose { swap(&sy, &sx) }
                    dst[c * plane + y * side + x] = src[c * plane + sy * side + sx]
                }
            }
        }
        return out
    }

    /// The statistics of a batch of square images [B, 3, S, S] → [B, ``featureCount``].
    static func features(of images: Tensor) -> Tensor {
        precondition(images.rank == 4 && images.shape[1] == 3 && images.shape[2] == images.shape[3],
                     "expected square images [B, 3, S, S], got \(images.shape)")
        let batch = images.shape[0], side = images.shape[2], plane = side * side
        let lo = side / 4, hi = side - side / 4
        let centreCount = Float((hi - lo) * (hi - lo)), borderCount = Float(max(1, plane - (hi - lo) * (hi - lo)))
        let out = Tensor.zeros([batch, featureCount])
        let src = UncheckedSendable(images.storage.pointer), dst = UncheckedSendable(out.storage.pointer)
        Parallel.forEachRange(batch * 3, costPerItem: plane * 4) { range in
            for item in range {
                let b = item / 3, c = item % 3
                let pixels = src.value + (b * 3 + c) * plane
                let row = dst.value + b * featureCount + c * (3 + binCount)
                var centreSum: Float = 0, centreSquares: Float = 0, borderSum: Float = 0
                for y in 0..<side {
                    for x in 0..<side {
                        let v = pixels[y * side + x]
                        if y >= lo && y < hi && x >= lo && x < hi {
                            centreSum += v
                            centreSquares += v * v
                        } else {
                            borderSum += v
                        }
                        let bin = min(binCount - 1, max(0, Int(v * Float(binCount))))
                        row[3 + bin] += 1 / Float(plane)
                    }
                }
                let mean = centreSum / centreCount
                row[0] = mean
                row[1] = max(0, centreSquares / centreCount - mean * mean).squareRoot()
                row[2] = borderSum / borderCount
            }
        }
        return out
    }
}
