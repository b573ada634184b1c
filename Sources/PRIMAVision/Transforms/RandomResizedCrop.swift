import Foundation
import PRIMATensor

extension ImageOps {
    /// Crops the window (`top`, `left`, `cropHeight × cropWidth`) and resizes it to `height × width`
    /// (torchvision's `resized_crop`).
    public static func resizedCrop(_ image: Tensor, top: Int, left: Int, cropHeight: Int, cropWidth: Int,
                                   height: Int, width: Int, interpolation: Interpolation = .bilinear,
                                   antialias: Bool = true) -> Tensor {
        let window = crop(image, top: top, left: left, height: cropHeight, width: cropWidth)
        return resize(window, height: height, width: width, interpolation: interpolation, antialias: antialias)
    }
}

/// Crops a random window of random area and aspect ratio and resizes it to a fixed size
/// (torchvision's `RandomResizedCrop`, with the same parameter sampling but PRIMA's generator).
public struct RandomResizedCrop: ImageTensorTransform {
    /// Output height.
    public var height: Int
    /// Output width.
    public var width: Int
    /// Range of the window's area as a fraction of the image's.
    public var scale: ClosedRange<Double>
    /// Range of the window's width / height (sampled log-uniformly).
    public var ratio: ClosedRange<Double>
    /// Filter of the resize.
    public var interpolation: Interpolation
    /// Antialiased resize (torchvision's default).
    public var antialias: Bool

    /// A random resized crop to `height × width`; torchvision's defaults: area 8–100 %, aspect 3/4–4/3, bilinear.
    public init(height: Int, width: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3),
                interpolation: Interpolation = .bilinear, antialias: Bool = true) {
        precondition(height > 0 && width > 0 && scale.lowerBound > 0 && ratio.lowerBound > 0, "invalid RandomResizedCrop options")
        self.height = height
        self.width = width
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self.antialias = antialias
    }

    /// The crop window for an image of `imageHeight × imageWidth`: up to 10 draws of (area, aspect ratio),
    /// the first whose window fits wins, at a uniformly drawn position; otherwise the largest centred window
    /// whose aspect ratio is within `ratio`.
    public func sampleWindow(imageHeight: Int, imageWidth: Int, using rng: inout RandomGenerator)
        -> (top: Int, left: Int, height: Int, width: Int) {
        let area = Double(imageHeight * imageWidth)
        let logRatio = log(ratio.lowerBound)...log(ratio.upperBound)
        for _ in 0..<10 {
            let targetArea = area * uniform(scale, &rng)
            let aspect = exp(uniform(logRatio, &rng))
            // Python's round() rounds halves to even.
            let w = Int((targetArea * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((targetArea / aspect).squareRoot().rounded(.toNearestOrEven))
            if w > 0 && w <= imageWidth && h > 0 && h <= imageHeight {
                let top = rng.nextInt(in: 0..<(imageHeight - h + 1)), left = rng.nextInt(in: 0..<(imageWidth - w + 1))
                return (top, left, h, w)
            }
        }
        let inRatio = Double(imageWidth) / Double(imageHeight)
        var w = imageWidth, h = imageHeight
        if inRatio < ratio.lowerBound {
            h = Int((Double(w) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if inRatio > ratio.upperBound {
            w = Int((Double(h) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        return ((imageHeight - h) / 2, (imageWidth - w) / 2, h, w)
    }

    public func apply(_ image: Tensor, using rng: inout RandomGenerator) -> Tensor {
        let (_, imageHeight, imageWidth) = ImageOps.chw(image)
        let window = sampleWindow(imageHeight: imageHeight, imageWidth: imageWidth, using: &rng)
        return ImageOps.resizedCrop(image, top: window.top, left: window.left, cropHeight: window.height, cropWidth: window.width,
                                    height: height, width: width, interpolation: interpolation, antialias: antialias)
    }

    private func uniform(_ range: ClosedRange<Double>, _ rng: inout RandomGenerator) -> Double {
        range.lowerBound + rng.nextDouble() * (range.upperBound - range.lowerBound)
    }
}
