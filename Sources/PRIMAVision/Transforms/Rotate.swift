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
        Parallel.forEachRange(height, costPerItem: width * (channels + 1) * 4) { rows in
            for y in rows {
                let yc = Float(y) + 0.5 - halfHeight
                for x in 0..<width {
                    let xc = Float(x) + 0.5 - halfWidth
                    let sx = cosine * xc - sine * yc + halfWidth - 0.5
                    let sy = sine * xc + cosine * yc + halfHeight - 0.5
                    let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                    let fx = sx - Float(x0), fy = sy - Float(y0)
                    // The 4 bilinear taps; taps outside the image contribute 0 and are missing from the mask.
                    var offsets = (0, 0, 0, 0), weights: (Float, Float, Float, Float) = (0, 0, 0, 0)
                    var mask: Float = 0
                    func tap(_ tx: Int, _ ty: Int, _ w: Float) -> (Int, Float) {
                        guard tx >= 0 && tx < width && ty >= 0 && ty < height else { return (0, 0) }
                        mask += w
                        return (ty * width + tx, w)
                    }
                    (offsets.0, weights.0) = tap(x0, y0, (1 - fx) * (1 - fy))
                    (offsets.1, weights.1) = tap(x0 + 1, y0, fx * (1 - fy))
                    (offsets.2, weights.2) = tap(x0, y0 + 1, (1 - fx) * fy)
                    (offsets.3, weights.3) = tap(x0 + 1, y0 + 1, fx * fy)
                    for c in 0..<channels {
                        let p = src + c * plane
                        let sample = weights.0 * p[offsets.0] + weights.1 * p[offsets.1]
                            + weights.2 * p[offsets.2] + weights.3 * p[offsets.3]
                        let f = fill.count == 1 ? fill[0] : fill[c]
                        dst[c * plane + y * width + x] = mask * (sample - f) + f
                    }
                }
            }
        }
        return output
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
