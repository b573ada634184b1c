import PRIMATensor

/// Layer normalisation over the last axis, as `torch.nn.LayerNorm(d, eps, elementwise_affine, bias)`:
/// `(x - mean) / √(var + eps) · weight + bias`, with the biased variance. Keys `weight`, `bias`.
public final class LayerNorm: Module, Layer {
    /// `[dimension]` scale (initialised to ones), nil without elementwise affine.
    public let weight: Parameter?
    /// `[dimension]` shift (initialised to zeros), nil without bias.
    public let bias: Parameter?
    /// Added to the variance for stability.
    public let eps: Float
    /// The size of the normalised (last) axis.
    public let dimension: Int

    /// A layer norm over `dimension` features.
    public init(dimension: Int, eps: Float = 1e-5, affine: Bool = true, bias: Bool = true) {
        self.dimension = dimension
        self.eps = eps
        self.weight = affine ? Parameter(Tensor.ones([dimension])) : nil
        self.bias = affine && bias ? Parameter(Tensor.zeros([dimension])) : nil
        super.init()
    }

    /// Normalises `input` over its last axis.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == dimension, "LayerNorm(\(dimension)) applied to \(input.shape)")
        return input.layerNorm(weight: weight?.value, bias: bias?.value, eps: eps)
    }
}

/// Root-mean-square normalisation over the last axis, as `torch.nn.RMSNorm` and the RMS norms of
/// Llama/Qwen3 in `transformers`: `x / √(mean(x²) + eps) · weight`. Key `weight`.
public final class RMSNorm: Module, Layer {
    /// `[dimension]` scale (initialised to ones), nil without elementwise affine.
    public let weight: Parameter?
    /// Added to the mean square for stability.
    public let eps: Float
    /// The size of the normalised (last) axis.
    public let dimension: Int

    /// An RMS norm over `dimension` features.
    public init(dimension: Int, eps: Float = 1e-6, affine: Bool = true) {
        self.dimension = dimension
        self.eps = eps
        self.weight = affine ? Parameter(Tensor.ones([dimension])) : nil
        super.init()
    }

    /// Normalises `input` over its last axis.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == dimension, "RMSNorm(\(dimension)) applied to \(input.shape)")
        return input.rmsNorm(weight: weight?.value, eps: eps)
    }
}
