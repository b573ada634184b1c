import PRIMATensor

extension ImageOps {
    /// `(image[c] - mean[c]) / std[c]` per channel, as torchvision's `normalize`.
    public static func normalize(_ image: Tensor, mean: [Float], std: [Float]) -> Tensor {
        let (channels, height, width) = chw(image)
        precondition(mean.count == channels && std.count == channels, "\(channels) channels, \(mean.count) means, \(std.count) stds")
        precondition(std.allSatisfy { $0 != 0 }, "a standard deviation of 0")
        let plane = height * width
        let output = Tensor(uninitializedShape: image.shape)
        let src = image.storage.pointer, dst = output.storage.pointer
        for c in 0..<channels {
            let m = mean[c], s = std[c]
            for i in (c * plane)..<((c + 1) * plane) { dst[i] = (src[i] - m) / s }
        }
        return output
    }
}

/// Subtracts a per-channel mean and divides by a per-channel standard deviation.
public struct Normalize: ImageTensorTransform {
    /// ImageNet's RGB mean, the statistics DINOv3 was trained with.
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    /// ImageNet's RGB standard deviation.
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    /// Per-channel mean.
    public var mean: [Float]
    /// Per-channel standard deviation.
    public var std: [Float]

    /// Normalisation with the given statistics (ImageNet's by default).
    public init(mean: [Float] = Normalize.imageNetMean, std: [Float] = Normalize.imageNetStd) {
        self.mean = mean
        self.std = std
    }

    public func apply(_ image: Tensor, using rng: inout RandomGenerator) -> Tensor {
        ImageOps.normalize(image, mean: mean, std: std)
    }
}
