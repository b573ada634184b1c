import PRIMATensor

extension ImageOps {
    /// The image mirrored left–right.
    public static func horizontalFlip(_ image: Tensor) -> Tensor {
        let (channels, height, width) = chw(image)
        let output = Tensor(uninitializedShape: image.shape)
        let src = image.storage.pointer, dst = output.storage.pointer
        for row in 0..<(channels * height) {
            let inRow = src + row * width, outRow = dst + row * width
            for x in 0..<width { outRow[x] = inRow[width - 1 - x] }
        }
        return output
    }

    /// The image mirrored top–bottom.
    public static func verticalFlip(_ image: Tensor) -> Tensor {
        let (channels, height, width) = chw(image)
        let output = Tensor(uninitializedShape: image.shape)
        let src = image.storage.pointer, dst = output.storage.pointer
        for c in 0..<channels {
            for y in 0..<height {
                (dst + (c * height + y) * width).update(from: src + (c * height + height - 1 - y) * width, count: width)
            }
        }
        return output
    }
}

/// Mirrors the image left–right with probability `probability` (torchvision's `RandomHorizontalFlip`).
public struct RandomHorizontalFlip: ImageTensorTransform {
    /// Chance of flipping.
    public var probability: Float

    /// A flip applied with `probability` (default 0.5).
    public init(probability: Float = 0.5) {
        self.probability = probability
    }

    public func apply(_ image: Tensor, using rng: inout RandomGenerator) -> Tensor {
        rng.nextUniform() < probability ? ImageOps.horizontalFlip(image) : image
    }
}

/// Mirrors the image top–bottom with probability `probability` (torchvision's `RandomVerticalFlip`).
public struct RandomVerticalFlip: ImageTensorTransform {
    /// Chance of flipping.
    public var probability: Float

    /// A flip applied with `probability` (default 0.5).
    public init(probability: Float = 0.5) {
        self.probability = probability
    }

    public func apply(_ image: Tensor, using rng: inout RandomGenerator) -> Tensor {
        rng.nextUniform() < probability ? ImageOps.verticalFlip(image) : image
    }
}
