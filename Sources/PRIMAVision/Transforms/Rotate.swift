import Foundation
import PRIMATensor

extension ImageOps {
    /// The image rotated counter-clockwise by `degrees` about its centre, same size, bilinear, as torchvision's
    /// `rotate(..., interpolation=BILINEAR, fill=fill)` on a float tensor.
    ///
    /// Each output pixel samples the input at its inverse-rotated position (zeros outside); `fill` then shows
    /// through in proportion to how much of the bilinear footprint fell outside the image, exactly as
    /// torchvision's mask blending `mask · (sample − fill) + fill`. Multiples of 180° (and of 90° for square
    /// images) are exact pixel permutations, as in torchvision.
    public static func rotate(_ image: Tensor, degrees: Double, fill: [Float]? = nil) -> Tensor {
        let (channels, height, width) = chw(image)
        let fill = fill ?? [Float](repeating: 0, count: channels)
        precondition(fill.count == channels || fill.count == 1, "\(fill.count) fill values for \(channels) channels")
        var angle = degrees.truncatingRemainder(dividingBy: 360)
        if angle < 0 { angle += 360 }
        if angle == 0 { return image }
        if angle == 180 { return verticalFlip(horizontalFlip(image)) }
        if height == width && (angle == 90 || angle == 270) { return rotateQuarter(image, counterClockwise: angle == 90) }

        // Inverse map from an output pixel centre (relative to the image centre) to the input.
        let radians = angle * .pi / 180
        let cosine = Float(cos(radians)), sine = Float(sin(radians))
        let halfWidth = Float(width) * 0.5, halfHeight = Float(height) * 0.5
        let plane = height * width
        let output = Tensor(uninitializedShape: image.shape)
        let src = image.storage.pointer, dst = output.storage.pointer
        let fills = (0..<channels).map { fill.count == 1 ? fill[0] : fill[$0] }
        Parallel.forEachRange(height, costPerItem: width * (channels + 1) * 4) { rows in
            fills.withUnsafeBufferPointer { fills in
                for y in rows {
                    let yc = Float(y) + 0.5 - halfHeight
                    for x in 0..<width {
                        let xc = Float(x) + 0.5 - halfWidth
                        let sx = cosine * xc - sine * yc + halfWidth - 0.5
                        let sy = sine * xc + cosine * yc + halfHeight - 0.5
                        let x0 = floorToInt(sx), y0 = floorToInt(sy)
                        let fx = sx - Float(x0), fy = sy - Float(y0)
                        let w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy
                        // The 4 bilinear taps; taps outside the image contribute 0 and are missing from the mask.
                        // (The sums keep the tap order, so every pixel is bit for bit what it always was.)
                        let o00: Int, o10: Int, o01: Int, o11: Int
                        let t00: Float, t10: Float, t01: Float, t11: Float, mask: Float
                        if x0 >= 0 && x0 + 1 < width && y0 >= 0 && y0 + 1 < height {
                            o00 = y0 * width + x0; o10 = o00 + 1; o01 = o00 + width; o11 = o01 + 1
                            (t00, t10, t01, t11) = (w00, w10, w01, w11)
                            mask = w00 + w10 + w01 + w11
                        } else {
                            func inside(_ tx: Int, _ ty: Int) -> Bool { tx >= 0 && tx < width && ty >= 0 && ty < height }
                            let in00 = inside(x0, y0), in10 = inside(x0 + 1, y0)
                            let in01 = inside(x0, y0 + 1), in11 = inside(x0 + 1, y0 + 1)
                            o00 = in00 ? y0 * width + x0 : 0; t00 = in00 ? w00 : 0
                            o10 = in10 ? y0 * width + x0 + 1 : 0; t10 = in10 ? w10 : 0
                            o01 = in01 ? (y0 + 1) * width + x0 : 0; t01 = in01 ? w01 : 0
                            o11 = in11 ? (y0 + 1) * width + x0 + 1 : 0; t11 = in11 ? w11 : 0
                            var m: Float = 0
                            if in00 { m += w00 }
                            if in10 { m += w10 }
                            if in01 { m += w01 }
                            if in11 { m += w11 }
                            mask = m
                        }
                        for c in 0..<channels {
                            let p = src + c * plane
                            let sample = t00 * p[o00] + t10 * p[o10] + t01 * p[o01] + t11 * p[o11]
                            let f = fills[c]
                            dst[c * plane + y * width + x] = mask * (sample - f) + f
                        }
                    }
                }
            }
        }
        return output
    }

    /// `Int(value.rounded(.down))` without a call to floorf (this module is built for baseline x86-64, where
    /// rounding down is a library call); `value` is a pixel coordinate, far inside Int's range.
    @inline(__always)
    private static func floorToInt(_ value: Float) -> Int {
        let truncated = Int(value)
        return Float(truncated) > value ? truncated - 1 : truncated
    }

    /// A square image turned by a quarter turn.
    private static func rotateQuarter(_ image: Tensor, counterClockwise: Bool) -> Tensor {
        let (channels, size, _) = chw(image)
        let output = Tensor(uninitializedShape: image.shape)
        let src = image.storage.pointer, dst = output.storage.pointer
        for c in 0..<channels {
            let inPlane = src + c * size * size, outPlane = dst + c * size * size
            for y in 0..<size {
                for x in 0..<size {
                    // Counter-clockwise: output (x, y) shows input (size-1-y, x); clockwise: input (y, size-1-x).
                    outPlane[y * size + x] = counterClockwise ? inPlane[x * size + (size - 1 - y)] : inPlane[(size - 1 - x) * size + y]
                }
            }
        }
        return output
    }
}

/// Rotates by an angle drawn uniformly from `degrees` (torchvision's `RandomRotation` with bilinear interpolation).
public struct RandomRotation: ImageTensorTransform {
    /// The range of angles in degrees, counter-clockwise positive.
    public var degrees: ClosedRange<Double>
    /// Per-channel value of the corners uncovered by the rotation (in the image's value range).
    public var fill: [Float]?

    /// Rotations by angles in `-maxDegrees…maxDegrees`.
    public init(maxDegrees: Double, fill: [Float]? = nil) {
        precondition(maxDegrees >= 0, "maxDegrees must be non-negative")
        self.init(degrees: -maxDegrees...maxDegrees, fill: fill)
    }

    /// Rotations by angles in `degrees`.
    public init(degrees: ClosedRange<Double>, fill: [Float]? = nil) {
        self.degrees = degrees
        self.fill = fill
    }

    public func apply(_ image: Tensor, using rng: inout RandomGenerator) -> Tensor {
        let angle = degrees.lowerBound + rng.nextDouble() * (degrees.upperBound - degrees.lowerBound)
        return ImageOps.rotate(image, degrees: angle, fill: fill)
    }
}
