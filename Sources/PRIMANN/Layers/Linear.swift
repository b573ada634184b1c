import PRIMATensor

/// `y = x Wᵀ + b` over the last axis, as `torch.nn.Linear`: `weight` is `[outputSize, inputSize]`,
/// `bias` is `[outputSize]`; keys `weight` and `bias`.
///
/// A Linear can carry a LoRA adapter (see ``LoRA``): its parameters are keyed next to the base ones
/// (`lora_A.weight`, `lora_B.weight`), so a checkpoint of the base model still loads unchanged.
public final class Linear: Module, Layer {
    /// `[outputSize, inputSize]`.
    public let weight: Parameter
    /// `[outputSize]`, or nil for a layer without bias.
    public let bias: Parameter?
    /// The low-rank adapter added to the output, if one is attached (inlined: its keys sit beside `weight`).
    @Key("") public internal(set) var lora: LoRAAdapter? = nil

    /// The precision of this layer's products (`BFloat16Products`). `.float32` (the default): exact Float32
    /// operands (a bfloat16 ``weight`` widened exactly). `.bfloat16`: the input, the output gradient and a
    /// Float32 weight are rounded to bf16 for the products, which accumulate in Float32, as under PyTorch's
    /// CPU autocast; a Float32 weight stays the master copy and gets a Float32 gradient. Set for a whole
    /// model by ``Module/computeLinearProducts(in:)`` (every Linear) or ``Module/storeFrozenWeights(as:products:)``
    /// (the frozen ones); a `withLinearProducts(_:_:)` scope overrides it (``productsInEffect``).
    public var bfloat16Products: BFloat16Products = .float32

    /// The products this layer computes now: those of an enclosing `withLinearProducts(_:_:)` scope, else
    /// ``bfloat16Products``.
    public var productsInEffect: BFloat16Products { LinearProductsScope.current ?? bfloat16Products }

    /// The size of the last input axis.
    public var inputSize: Int { weight.shape[1] }
    /// The size of the last output axis.
    public var outputSize: Int { weight.shape[0] }

    /// A layer with PyTorch's default initialisation: weight kaiming-uniform (a = √5), bias uniform ±1/√inputSize.
    public init(_ inputSize: Int, _ outputSize: Int, bias: Bool = true, using rng: inout RandomGenerator) {
        self.weight = Parameter(Initialization.kaimingUniform([outputSize, inputSize], fanIn: inputSize, using: &rng))
        self.bias = bias ? Parameter(Initialization.fanInUniform([outputSize], fanIn: inputSize, using: &rng)) : nil
        super.init()
    }

    /// A layer with the given values (`weight` `[out, in]`, `bias` `[out]`).
    public init(weight: Tensor, bias: Tensor? = nil) {
        precondition(weight.rank == 2, "Linear weight must be [out, in], got \(weight.shape)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "Linear bias \(bias.shape) for weight \(weight.shape)") }
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
        super.init()
    }

    /// The projection without any adapter.
    public func baseForward(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == inputSize,
                     "Linear(\(inputSize)→\(outputSize)) applied to \(input.shape)")
        if let stored = weight.bfloat16Value {
            return Tensor.linear(input, weight: stored, bias: bias?.value, products: productsInEffect)
        }
        return Tensor.linear(input, weight: weight.value, bias: bias?.value, products: productsInEffect)
    }

    /// The projection of `input` (`[…, inputSize]` → `[…, outputSize]`), plus the adapter's output when one is attached and not merged.
    /// With enough input rows the two are computed together through the merged weight (see
    /// `Tensor.lowRankAdaptedLinear`), which gives the same values and gradients up to float rounding.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard let lora, !lora.isMerged else { return baseForward(input) }
        if let fused = lora.mergedForward(input, base: self) { return fused }
        return baseForward(input) + lora(input)
    }
}
