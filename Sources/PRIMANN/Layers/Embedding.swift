import PRIMATensor

/// A lookup table of `[count, dimension]` vectors indexed by integer ids, as `torch.nn.Embedding`
/// (key `weight`, initialised standard normal).
public final class Embedding: Module, Layer {
    /// `[count, dimension]`.
    public let weight: Parameter

    /// The number of rows.
    public var count: Int { weight.shape[0] }
    /// The vector size.
    public var dimension: Int { weight.shape[1] }

    /// A table initialised from the standard normal distribution, as PyTorch does.
    public init(count: Int, dimension: Int, using rng: inout RandomGenerator) {
        weight = Parameter(Tensor.randomNormal([count, dimension], using: &rng))
        super.init()
    }

    /// A table with the given `[count, dimension]` values.
    public init(weight: Tensor) {
        precondition(weight.rank == 2, "Embedding weight must be [count, dimension], got \(weight.shape)")
        self.weight = Parameter(weight)
        super.init()
    }

    /// The rows for `ids` (integer-valued floats of any shape): shape `ids.shape + [dimension]`.
    public func callAsFunction(_ ids: Tensor) -> Tensor {
        weight.value.embeddingLookup(ids)
    }
}
