import PRIMATensor

/// Random brightness, contrast, saturation and hue changes in a random order (torchvision's `ColorJitter`).
///
/// Each factor is drawn uniformly from its range: brightness, contrast and saturation from
/// `max(0, 1 − s)…1 + s` for strength `s`, hue from `−h…h`; a strength of 0 leaves that property alone.
public struct ColorJitter: ImageTensorTransform {
    /// Range of the brightness factor, or `nil` to leave brightness alone.
    public var brightness: ClosedRange<Float>?
    /// Range of the contrast factor, or `nil`.
    public var contrast: ClosedRange<Float>?
    /// Range of the saturation factor, or `nil`.
    public var saturation: ClosedRange<Float>?
    /// Range of the hue shift (fractions of a turn, within −0.5…0.5), or `nil`.
    public var hue: ClosedRange<Float>?

    /// Jitter with torchvision's strength arguments (`ColorJitter(brightness, contrast, saturation, hue)`).
    public init(brightness: Float = 0, contrast: Float = 0, saturation: Float = 0, hue: Float = 0) {
        precondition(brightness >= 0 && contrast >= 0 && saturation >= 0 && hue >= 0 && hue <= 0.5, "invalid ColorJitter strengths")
        func around1(_ s: Float) -> ClosedRange<Float>? { s == 0 ? nil : max(0, 1 - s)...(1 + s) }
        self.init(brightnessRange: around1(brightness), contrastRange: around1(contrast),
                  saturationRange: around1(saturation), hueRange: hue == 0 ? nil : -hue...hue)
    }

    /// Jitter with explicit factor ranges.
    public init(brightnessRange: ClosedRange<Float>?, contrastRange: ClosedRange<Float>?,
                saturationRange: ClosedRange<Float>?, hueRange: ClosedRange<Float>?) {
        precondition(hueRange.map { $0.lowerBound >= -0.5 && $0.upperBound <= 0.5 } ?? true, "hue range must lie in -0.5…0.5")
        self.brightness = brightnessRange
        self.contrast = contrastRange
        self.saturation = saturationRange
        self.hue = hueRange
    }

    public func apply(_ image: Tensor, using rng: inout RandomGenerator) -> Tensor {
        // As torchvision: a random order of the four adjustments, then one factor per enabled property.
        let order = rng.permutation(4)
        let factors = [brightness, contrast, saturation, hue].map { range in
            range.map { $0.lowerBound + rng.nextUniform() * ($0.upperBound - $0.lowerBound) }
        }
        var output = image
        for step in order {
            guard let factor = factors[step] else { continue }
            switch step {
            case 0: output = ImageOps.adjustBrightness(output, factor: factor)
            case 1: output = ImageOps.adjustContrast(output, factor: factor)
            case 2: output = ImageOps.adjustSaturation(output, factor: factor)
            default: output = ImageOps.adjustHue(output, factor: factor)
            }
        }
        return output
    }
}
