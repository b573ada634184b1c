import Foundation
import PRIMAData
import PRIMATensor
import PRIMATestSupport
import Testing
@testable import PRIMAVision

/// Seeded augmentations: determinism, parameter ranges and probabilities, and agreement with the
/// deterministic functions they draw parameters for.
@Suite struct RandomTransformTests {
    static func testImage(height: Int = 12, width: Int = 17, seed: UInt64 = 3) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.randomUniform([3, height, width], using: &rng)
    }

    @Test func sameSeedGivesSameViewAndOtherSeedsDiffer() {
        let pipeline = DINOv3Preprocessing.training(height: 16, width: 16)
        let image = Self.testImage()
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let first = pipeline.apply(image, using: &a)
        #expect(first.shape == [3, 16, 16])
        #expect(first.scalars == pipeline.apply(image, using: &b).scalars)
        #expect(first.scalars != pipeline.apply(image, using: &c).scalars)
        #expect(first.scalars.allSatisfy { $0.isFinite })
    }

    @Test func randomResizedCropWindowsFollowTheScaleAndRatioRanges() {
        let crop = RandomResizedCrop(height: 8, width: 8, scale: 0.2...0.9, ratio: 0.75...(4.0 / 3))
        var rng = RandomGenerator(seed: 7)
        let imageHeight = 90, imageWidth = 120
        for _ in 0..<2000 {
            let w = crop.sampleWindow(imageHeight: imageHeight, imageWidth: imageWidth, using: &rng)
            #expect(w.top >= 0 && w.left >= 0 && w.top + w.height <= imageHeight && w.left + w.width <= imageWidth)
            let area = Double(w.height * w.width) / Double(imageHeight * imageWidth)
            // Rounding the sides to whole pixels moves area and ratio a little outside the ranges.
            #expect(area >= 0.2 * 0.97 && area <= 0.9 * 1.03)
            let ratio = Double(w.width) / Double(w.height)
            #expect(ratio >= 0.75 * 0.97 && ratio <= 4.0 / 3 * 1.03)
        }
    }

    @Test func randomResizedCropAreaIsUniformWhenEveryWindowFits() {
        // On a 100 × 100 image every (area ≤ 0.8, ratio 0.9…1.1) window fits, so the first draw is kept and the
        // area fraction is uniform on 0.2…0.8: mean 0.5, standard deviation 0.6/√12 (plus pixel rounding).
        let crop = RandomResizedCrop(height: 8, width: 8, scale: 0.2...0.8, ratio: 0.9...1.1)
        var rng = RandomGenerator(seed: 8)
        let draws = 2000
        var areaSum = 0.0
        for _ in 0..<draws {
            let w = crop.sampleWindow(imageHeight: 100, imageWidth: 100, using: &rng)
            areaSum += Double(w.height * w.width) / 10_000
        }
        let standardError = (0.6 / 12.0.squareRoot()) / Double(draws).squareRoot()
        #expect(abs(areaSum / Double(draws) - 0.5) < Tolerance.statisticalSigmas * standardError + 0.005)
    }

    @Test func randomResizedCropFallsBackToTheCentredLargestWindow() {
        // A 2 × 60 strip: no window with aspect ratio in 3/4…4/3 and at least 8 % of the area fits.
        let crop = RandomResizedCrop(height: 4, width: 4)
        var rng = RandomGenerator(seed: 1)
        let w = crop.sampleWindow(imageHeight: 2, imageWidth: 60, using: &rng)
        #expect(w.height == 2 && w.width == 3 && w.top == 0 && w.left == 28)
    }

    @Test func flipsHappenWithTheirProbability() {
        let image = Self.testImage(height: 3, width: 4)
        let flipped = ImageOps.horizontalFlip(image).scalars
        let transform = RandomHorizontalFlip(probability: 0.3)
        var rng = RandomGenerator(seed: 11)
        let draws = 3000
        var count = 0
        for _ in 0..<draws {
            let out = transform.apply(image, using: &rng).scalars
            if out == flipped { count += 1 } else { #expect(out == image.scalars) }
        }
        let standardError = (0.3 * 0.7 / Double(draws)).squareRoot()
        #expect(abs(Double(count) / Double(draws) - 0.3) < Tolerance.statisticalSigmas * standardError)
        var never = RandomGenerator(seed: 2)
        #expect(RandomVerticalFlip(probability: 0).apply(image, using: &never).scalars == image.scalars)
        #expect(RandomVerticalFlip(probability: 1).apply(image, using: &never).scalars == ImageOps.verticalFlip(image).scalars)
    }

    @Test func flipsAndQuarterTurnsAreExactPermutations() {
        let image = Self.testImage(height: 5, width: 5)
        #expect(ImageOps.horizontalFlip(ImageOps.horizontalFlip(image)).scalars == image.scalars)
        let quarter = ImageOps.rotate(image, degrees: 90)
        #expect(ImageOps.rotate(quarter, degrees: -90).scalars == image.scalars)
        #expect(ImageOps.rotate(image, degrees: 360).scalars == image.scalars)
        #expect(ImageOps.rotate(image, degrees: -180).scalars == ImageOps.verticalFlip(ImageOps.horizontalFlip(image)).scalars)
        // Counter-clockwise: the top-right pixel moves to the top-left.
        #expect(quarter[0, 0, 0] == image[0, 0, 4])
    }

    @Test func fixedRangesReduceToTheDeterministicFunctions() {
        let image = Self.testImage()
        var rng = RandomGenerator(seed: 5)
        let rotation = RandomRotation(degrees: 25...25, fill: [0.5])
        #expect(rotation.apply(image, using: &rng).scalars == ImageOps.rotate(image, degrees: 25, fill: [0.5]).scalars)
        let cases: [(ColorJitter, Tensor)] = [
            (ColorJitter(brightnessRange: 1.3...1.3, contrastRange: nil, saturationRange: nil, hueRange: nil),
             ImageOps.adjustBrightness(image, factor: 1.3)),
            (ColorJitter(brightnessRange: nil, contrastRange: 0.7...0.7, saturationRange: nil, hueRange: nil),
             ImageOps.adjustContrast(image, factor: 0.7)),
            (ColorJitter(brightnessRange: nil, contrastRange: nil, saturationRange: 1.5...1.5, hueRange: nil),
             ImageOps.adjustSaturation(image, factor: 1.5)),
            (ColorJitter(brightnessRange: nil, contrastRange: nil, saturationRange: nil, hueRange: -0.1...(-0.1)),
             ImageOps.adjustHue(image, factor: -0.1)),
        ]
        for (jitter, expected) in cases {
            #expect(jitter.apply(image, using: &rng).scalars == expected.scalars)
        }
    }

    @Test func colourJitterFactorsStayInTheirRanges() {
        // Brightness alone on a constant image: the output value is the factor times the input.
        let image = Tensor(repeating: 0.5, shape: [3, 2, 2])
        let jitter = ColorJitter(brightness: 0.4)
        #expect(jitter.brightness == 0.6...1.4 && jitter.contrast == nil && jitter.hue == nil)
        var rng = RandomGenerator(seed: 9)
        var factors: [Float] = []
        for _ in 0..<500 { factors.append(jitter.apply(image, using: &rng)[0, 0, 0] / 0.5) }
        #expect(factors.allSatisfy { $0 >= 0.6 - 1e-6 && $0 <= 1.4 + 1e-6 })
        #expect(factors.min()! < 0.7 && factors.max()! > 1.3)
        #expect(ColorJitter(hue: 0.1).hue == -0.1...0.1)
    }

    @Test func loaderHooksProduceNormalisedViews() throws {
        let photo = RGBImage(width: 40, height: 30, pixels: (0..<3600).map { UInt8($0 % 251) })
        var rng = RandomGenerator(seed: 3)
        let train: ImageTransform = DINOv3Preprocessing.trainingTransform()
        let view = try train(photo, &rng)
        #expect(view.shape == [3, DINOv3Preprocessing.imageSize, DINOv3Preprocessing.imageSize])
        let eval = try DINOv3Preprocessing.evaluationTransform()(photo, &rng)
        let expected = ImageOps.normalize(ImageOps.resize(DINOv3Preprocessing.rescaled(photo), height: 224, width: 224),
                                          mean: Normalize.imageNetMean, std: Normalize.imageNetStd)
        #expect(eval.scalars == expected.scalars)
        // Rescaling is the same as the image's own [0, 1] tensor up to float rounding.
        #expect(maxScaledError(DINOv3Preprocessing.rescaled(photo), photo.tensor) <= Tolerance.forward)
    }

    @Test func resizeKeepsConstantsAndShorterSideSizes() {
        let constant = Tensor(repeating: 0.25, shape: [3, 9, 14])
        for interpolation in [Interpolation.bilinear, .bicubic] {
            for antialias in [true, false] {
                let out = ImageOps.resize(constant, height: 5, width: 31, interpolation: interpolation, antialias: antialias)
                #expect(out.scalars.allSatisfy { abs($0 - 0.25) < 1e-6 })
            }
        }
        let resize = Resize(.shorterSide(6))
        #expect(resize.outputSize(height: 9, width: 14) == (6, 9))
        #expect(resize.outputSize(height: 14, width: 9) == (9, 6))
        #expect(ImageOps.centerCrop(constant, height: 11, width: 14)[0, 0, 0] == 0, "padding outside the image is 0")
    }
}
