import PRIMAData
import PRIMATensor

/// The image pipelines of PRIMA's DINOv3 encoder.
///
/// Evaluation is transformers' `DINOv3ViTImageProcessorFast`: rescale to [0, 1] (`x · 1/255`), resize to
/// 224 × 224 (bilinear, antialiased, on the float image), normalise with ImageNet's mean and std.
/// Training replaces the fixed resize by random augmentations (see ``Augmentation``); both end with the same
/// normalisation, so the encoder sees the same value range.
public enum DINOv3Preprocessing {
    /// DINOv3's input side length.
    public static let imageSize = 224

    /// The random augmentations of a training view.
    public struct Augmentation: Sendable {
        /// Area range of the random resized crop (fraction of the photo).
        public var cropScale: ClosedRange<Double>
        /// Aspect-ratio range of the random resized crop.
        public var cropRatio: ClosedRange<Double>
        /// Chance of a left–right mirror.
        public var horizontalFlip: Float
        /// Chance of a top–bottom mirror (lesion photos have no natural "up").
        public var verticalFlip: Float
        /// Largest rotation in degrees either way (0: none); uncovered corners are black.
        public var maxRotation: Double
        /// Colour jitter strengths (brightness, contrast, saturation, hue), torchvision's arguments.
        public var colorJitter: (brightness: Float, contrast: Float, saturation: Float, hue: Float)

        /// Augmentation options; the defaults are moderate ones for dermoscopic and clinical lesion photos.
        public init(cropScale: ClosedRange<Double> = 0.4...1, cropRatio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3),
                    horizontalFlip: Float = 0.5, verticalFlip: Float = 0.5, maxRotation: Double = 30,
                    colorJitter: (brightness: Float, contrast: Float, saturation: Float, hue: Float) = (0.2, 0.2, 0.2, 0.05)) {
            self.cropScale = cropScale
            self.cropRatio = cropRatio
            self.horizontalFlip = horizontalFlip
            self.verticalFlip = verticalFlip
            self.maxRotation = maxRotation
            self.colorJitter = colorJitter
        }
    }

    /// Rescaled image → resize to `height × width` (bilinear, antialiased) → ImageNet normalisation.
    public static func evaluation(height: Int = imageSize, width: Int = imageSize) -> Compose {
        Compose([Resize(.exact(height: height, width: width), interpolation: .bilinear, antialias: true), Normalize()])
    }

    /// Rescaled image → random resized crop to `height × width` → flips → rotation → colour jitter → ImageNet
    /// normalisation.
    public static func training(height: Int = imageSize, width: Int = imageSize, augmentation: Augmentation = Augmentation()) -> Compose {
        var steps: [any ImageTensorTransform] = [
            RandomResizedCrop(height: height, width: width, scale: augmentation.cropScale, ratio: augmentation.cropRatio),
        ]
        if augmentation.horizontalFlip > 0 { steps.append(RandomHorizontalFlip(probability: augmentation.horizontalFlip)) }
        if augmentation.verticalFlip > 0 { steps.append(RandomVerticalFlip(probability: augmentation.verticalFlip)) }
        if augmentation.maxRotation > 0 { steps.append(RandomRotation(maxDegrees: augmentation.maxRotation)) }
        let jitter = augmentation.colorJitter
        if jitter.brightness > 0 || jitter.contrast > 0 || jitter.saturation > 0 || jitter.hue > 0 {
            steps.append(ColorJitter(brightness: jitter.brightness, contrast: jitter.contrast,
                                     saturation: jitter.saturation, hue: jitter.hue))
        }
        steps.append(Normalize())
        return Compose(steps)
    }

    /// The `[3, H, W]` float image of a decoded photo, `pixel · (1/255)` as transformers' rescale computes it.
    public static func rescaled(_ image: RGBImage) -> Tensor {
        let plane = image.width * image.height
        let output = Tensor(uninitializedShape: [3, image.height, image.width])
        let dst = output.storage.pointer
        let factor = Float(1.0 / 255.0)
        image.pixels.withUnsafeBufferPointer { src in
            for i in 0..<plane {
                for c in 0..<3 { dst[c * plane + i] = Float(src[3 * i + c]) * factor }
            }
        }
        return output
    }

    /// A `PRIMAData.ImageTransform` for `PRIMAData.TwoViewLoader`: rescale, then `pipeline`.
    public static func imageTransform(_ pipeline: some ImageTensorTransform) -> ImageTransform {
        { image, rng in pipeline.apply(rescaled(image), using: &rng) }
    }

    /// The loader hook for training views (``training(height:width:augmentation:)``).
    public static func trainingTransform(height: Int = imageSize, width: Int = imageSize,
                                         augmentation: Augmentation = Augmentation()) -> ImageTransform {
        imageTransform(training(height: height, width: width, augmentation: augmentation))
    }

    /// The loader hook for evaluation (``evaluation(height:width:)``), deterministic.
    public static func evaluationTransform(height: Int = imageSize, width: Int = imageSize) -> ImageTransform {
        imageTransform(evaluation(height: height, width: width))
    }
}
