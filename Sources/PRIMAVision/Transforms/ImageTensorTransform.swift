import PRIMATensor

/// One step of an image pipeline on `[C, H, W]` float tensors (values in [0, 1] until normalised).
///
/// Random steps draw from the generator they are given, so a pipeline run twice with generators in the same
/// state gives the same image.
public protocol ImageTensorTransform: Sendable {
    /// The transformed image.
    func apply(_ image: Tensor, using rng: inout RandomGenerator) -> Tensor
}

/// Applies transforms in order, like torchvision's `Compose`.
public struct Compose: ImageTensorTransform {
    /// The steps, first applied first.
    public var transforms: [any ImageTensorTransform]

    /// A pipeline of `transforms`.
    public init(_ transforms: [any ImageTensorTransform]) {
        self.transforms = transforms
    }

    public func apply(_ image: Tensor, using rng: inout RandomGenerator) -> Tensor {
        transforms.reduce(image) { current, transform in transform.apply(current, using: &rng) }
    }
}

/// Image functions on `[C, H, W]` float tensors, each matching the torchvision function of the same name
/// (`torchvision.transforms.v2.functional`) on float tensors. The random transforms are built on them.
public enum ImageOps {
    /// Channels, height and width of a `[C, H, W]` image.
    public static func chw(_ image: Tensor) -> (channels: Int, height: Int, width: Int) {
        precondition(image.rank == 3 && image.shape.allSatisfy { $0 > 0 }, "expected a [C, H, W] image, got \(image.shape)")
        return (image.shape[0], image.shape[1], image.shape[2])
    }
}
