/// A linear layer with a low-rank update, `y = x Wᵀ + b + s · (x Aᵀ) Bᵀ` (LoRA), computed through the
/// merged weight `W' = W + s · B A`: one large product forward and one for the input's gradient, instead of
/// the base product plus two thin ones, a scaling pass and an addition forward and again backward.
extension Tensor {
    /// Whether `lowRankAdaptedLinear(_:weight:bias:down:up:scaling:)` (either weight type) costs less than the base product
    /// plus the adapter's own two products for `rows` input rows: building `W'` costs about `out · in · r`
    /// multiply-adds, the thin products it replaces about `rows · (in + out) · r`.
    public static func mergedLowRankIsCheaper(rows: Int, inFeatures: Int, outFeatures: Int) -> Bool {
        rows * (inFeatures + outFeatures) >= inFeatures * outFeatures
    }

    /// `input · (weight + scaling · up · down)ᵀ + bias`, with the gradients of every operand that requires
    /// one. `input` `[…, in]`, `weight` `[out, in]`, `bias` `[out]`, `down` (A) `[r, in]`, `up` (B) `[out, r]`.
    ///
    /// Equal to `linear(input, weight, bias) + linear(linear(input, down), up) * scaling` up to float
    /// rounding. The backward pass computes `dX = g W'` in one product, `dB = s · gᵀ (x Aᵀ)` from the thin
    /// `x Aᵀ` saved by the forward pass and `dA = s · (g B)ᵀ x`; the frozen `weight` gets no product.
    public static func lowRankAdaptedLinear(_ input: Tensor, weight: Tensor, bias: Tensor? = nil,
                                            down: Tensor, up: Tensor, scaling: Float) -> Tensor {
        precondition(weight.rank == 2, "low-rank linear: weight \(weight.shape) must be a matrix")
        return lowRankAdaptedLinear(input, base: .float32(weight), bias: bias, down: down, up: up, scaling: scaling)
    }

    /// The same with a frozen bfloat16 base weight (``BFloat16Tensor``, `[out, in]`): `W'` is formed in Float32
    /// from its exact values, so the result equals the base product plus the adapter's up to float rounding.
    /// The base gets no gradient.
    public static func lowRankAdaptedLinear(_ input: Tensor, weight: BFloat16Tensor, bias: Tensor? = nil,
                                            down: Tensor, up: Tensor, scaling: Float) -> Tensor {
        precondition(weight.shape.count == 2, "low-rank linear: weight \(weight.shape) must be a matrix")
        return lowRankAdaptedLinear(input, base: .bfloat16(weight), bias: bias, down: down, up: up, scaling: scaling)
    }

    /// The base weight of a low-rank adapted product, as stored.
    private enum LowRankBase {
        case float32(Tensor)
        case bfloat16(BFloat16Tensor)

        var shape: [Int] {
            switch self {
            case .float32(let w): w.shape
            case .bfloat16(let w): w.shape
            }
        }

        /// The Float32 weight when it takes part in autograd (a trainable Float32 base), else nil.
        var tracked: Tensor? {
            if case .float32(let w) = self, w.requiresGrad { return w }
            return nil
        }

        /// The values without any tape, kept for the backward pass.
        var detached: LowRankBase {
            if case .float32(let w) = self { return .float32(w.detached()) }
            return self
        }

        /// Writes the Float32 values (exact for a bf16 base) into `destination`.
        func copy(into destination: UnsafeMutablePointer<Float>) {
            switch self {
            case .float32(let w): destination.update(from: w.storage.pointer, count: w.count)
            case .bfloat16(let w): HalfPrecision.convert(bfloat16Bits: w.storage.pointer, to: destination, count: w.count)
            }
        }
    }

    private static func lowRankAdaptedLinear(_ input: Tensor, base: LowRankBase, bias: Tensor?, down: Tensor, up: Tensor,
                                             scaling: Float) -> Tensor {
        precondition(down.rank == 2 && up.rank == 2,
                     "low-rank linear: down \(down.shape) and up \(up.shape) must be matrices")
        let (outFeatures, inFeatures, rank) = (base.shape[0], base.shape[1], down.shape[0])
        precondition(down.shape[1] == inFeatures && up.shape == [outFeatures, rank],
                     "low-rank linear: down \(down.shape) and up \(up.shape) do not fit weight \(base.shape)")
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == inFeatures,
                     "low-rank linear: input \(input.shape) does not end in \(inFeatures)")
        let rows = input.count / Swift.max(inFeatures, 1)

        let out = linear(input.detached(), weight: mergedWeight(base, down: down, up: up, scaling: scaling),
                         bias: bias?.detached())

        let trackedWeight = base.tracked
        var inputs = [input, down, up]
        if let trackedWeight { inputs.append(trackedWeight) }
        if let bias { inputs.append(bias) }
        guard inputs.contains(where: \.requiresGrad), GradMode.isEnabled else { return out }
        let needs = (input: input.requiresGrad, weight: trackedWeight != nil, down: down.requiresGrad,
                     up: up.requiresGrad, bias: bias?.requiresGrad ?? false)
        let x = input.detached().reshaped([rows, inFeatures])
        // The thin x Aᵀ for B's gradient, [rows, r].
        let projected = needs.up ? matmulForward(x, down.detached(), transposeA: false, transposeB: true) : nil
        let savedInput = needs.down || needs.weight ? x : nil
        let savedUp = needs.down ? up.detached() : nil
        // The three operands of W', not W' itself: rebuilding it costs `out · in · r` multiply-adds, keeping
        // it would hold one more weight-sized buffer per adapted layer until the backward pass.
        let savedOperands = needs.input ? (base.detached, down.detached(), up.detached()) : nil
        let inputShape = input.shape, hasBias = bias != nil, hasTrackedWeight = trackedWeight != nil
        return record(out, inputs: inputs) { g in
            let g2 = g.reshaped([rows, outFeatures])
            let gradInput = savedOperands.map { w, a, b in
                matmulForward(g2, mergedWeight(w, down: a, up: b, scaling: scaling), transposeA: false, transposeB: false)
                    .reshaped(inputShape)
            }
            let gradWeight = needs.weight ? savedInput.map { matmulForward(g2, $0, transposeA: true, transposeB: false) } : nil
            var gradDown: Tensor? = nil
            if let savedUp, let savedInput {  // dA = s · (g B)ᵀ x
                let gu = matmulForward(g2, savedUp, transposeA: false, transposeB: false)
                let d = Tensor(uninitializedShape: [rank, inFeatures])
                sgemm(m: rank, n: inFeatures, k: rows, a: gu.storage.pointer, lda: rank, transposeA: true,
                      b: savedInput.storage.pointer, ldb: inFeatures, transposeB: false,
                      c: d.storage.pointer, ldc: inFeatures, alpha: scaling, beta: 0)
                gradDown = d
            }
            let gradUp = projected.map { h -> Tensor in  // dB = s · gᵀ (x Aᵀ)
                let d = Tensor(uninitializedShape: [outFeatures, rank])
                sgemm(m: outFeatures, n: rank, k: rows, a: g2.storage.pointer, lda: outFeatures, transposeA: true,
                      b: h.storage.pointer, ldb: rank, transposeB: false,
                      c: d.storage.pointer, ldc: rank, alpha: scaling, beta: 0)
                return d
            }
            var grads: [Tensor?] = [gradInput, gradDown, gradUp]
            if hasTrackedWeight { grads.append(gradWeight) }
            if hasBias { grads.append(needs.bias ? g2.sum(axes: [0]) : nil) }
            return grads
        }
    }

    /// `W + s · B A`: a copy of W, then one product accumulated into it (beta = 1).
    private static func mergedWeight(_ weight: LowRankBase, down: Tensor, up: Tensor, scaling: Float) -> Tensor {
        let (outFeatures, inFeatures, rank) = (weight.shape[0], weight.shape[1], down.shape[0])
        let merged = Tensor(uninitializedShape: [outFeatures, inFeatures])
        weight.copy(into: merged.storage.pointer)
        sgemm(m: outFeatures, n: inFeatures, k: rank, a: up.storage.pointer, lda: rank, transposeA: false,
              b: down.storage.pointer, ldb: inFeatures, transposeB: false,
              c: merged.storage.pointer, ldc: inFeatures, alpha: scaling, beta: 1)
        return merged
    }
}
