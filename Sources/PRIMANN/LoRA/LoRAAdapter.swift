import PRIMATensor

/// A low-rank update `ΔW = (alpha / rank) · B A` attached to a ``Linear`` (Hu et al., LoRA), laid out as
/// Hugging Face PEFT lays it out: `lora_A.weight` is `[rank, in]` (kaiming-uniform, a = √5) and
/// `lora_B.weight` is `[out, rank]` (zeros, so a new adapter leaves the output unchanged).
///
/// The adapter's output for an input `x` is `scaling · B(A(dropout(x)))`; its ``Linear`` adds it to the
/// base output. ``merge()`` folds the update into the base weight (for inference), ``unmerge()`` takes
/// it out again.
public final class LoRAAdapter: Module {
    /// The down projection `[rank, in]`.
    @Key("lora_A") public private(set) var down: Linear
    /// The up projection `[out, rank]`.
    @Key("lora_B") public private(set) var up: Linear
    /// Dropout on the adapter's input (PEFT's `lora_dropout`), nil when the probability is 0.
    @Key("lora_dropout") public private(set) var dropout: Dropout? = nil
    /// The rank of the update.
    public let rank: Int
    /// The numerator of the scaling.
    public let alpha: Float
    /// `alpha / rank`.
    public var scaling: Float { alpha / Float(rank) }
    /// True while the update is folded into the base weight.
    public private(set) var isMerged = false
    /// The layer this adapter belongs to: a back reference, hidden from reflection (not a child) and
    /// unowned (the layer owns the adapter).
    private let owner: Owner
    private struct Owner { unowned let layer: Linear }
    private var base: Linear { owner.layer }

    init(base: Linear, rank: Int, alpha: Float, dropout: Float, using rng: inout RandomGenerator) {
        precondition(rank > 0, "LoRA rank must be positive, got \(rank)")
        self.owner = Owner(layer: base)
        self.rank = rank
        self.alpha = alpha
        super.init()
        self.down = Linear(weight: Initialization.kaimingUniform([rank, base.inputSize], fanIn: base.inputSize, using: &rng))
        self.up = Linear(weight: Tensor.zeros([base.outputSize, rank]))
        self.dropout = dropout > 0 ? Dropout(probability: dropout, generator: rng.split()) : nil
    }

    /// `scaling · B(A(dropout(x)))`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let x = dropout.map { $0(input) } ?? input
        return up(down(x)) * scaling
    }

    /// The adapted layer's output through the merged weight `W + scaling · B A` (one large product forward
    /// and one backward instead of the base product, two thin ones, a scaling and an addition), or nil where
    /// that does not apply or would cost more: dropout active on the adapter's input, biases on the adapter,
    /// or too few input rows to pay for building the merged weight, and bf16 products: rounding `W'` would
    /// quantise the adapter's update on the scale of the base weight's bf16 spacing (an update smaller than
    /// half of it vanishes from the output), where separate products round it on its own scale, as autocast
    /// does. A bfloat16 base weight with Float32 products merges exactly (`W'` formed from its exact values).
    func mergedForward(_ input: Tensor, base: Linear) -> Tensor? {
        guard dropout.map({ !$0.isTraining }) ?? true, base.productsInEffect == .float32,
              down.bias == nil, up.bias == nil, down.lora == nil, up.lora == nil,
              Tensor.mergedLowRankIsCheaper(rows: input.count / Swift.max(base.inputSize, 1),
                                            inFeatures: base.inputSize, outFeatures: base.outputSize)
        else { return nil }
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == base.inputSize,
                     "Linear(\(base.inputSize)→\(base.outputSize)) applied to \(input.shape)")
        if let stored = base.weight.bfloat16Value {
            return Tensor.lowRankAdaptedLinear(input, weight: stored, bias: base.bias?.value, down: down.weight.value,
                                               up: up.weight.value, scaling: scaling)
        }
        return Tensor.lowRankAdaptedLinear(input, weight: base.weight.value, bias: base.bias?.value,
                                           down: down.weight.value, up: up.weight.value, scaling: scaling)
    }

    /// `scaling · B A`, shape `[out, in]`.
    public func delta() -> Tensor {
        noGrad { Tensor.matmul(up.weight.value, down.weight.value) * scaling }
    }

    /// Adds the update to the base weight; the layer then skips the adapter. No-op when merged.
    public func merge() {
        guard !isMerged else { return }
        addToBase(delta(), sign: 1)
        isMerged = true
    }

    /// Subtracts the update from the base weight again. No-op when not merged.
    public func unmerge() {
        guard isMerged else { return }
        addToBase(delta(), sign: -1)
        isMerged = false
    }

    private func addToBase(_ delta: Tensor, sign: Float) {
        let pd = delta.storage.pointer
        base.weight.update { w in
            for i in 0..<w.count { w[i] += sign * pd[i] }
        }
    }
}
