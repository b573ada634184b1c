/// `F.linear`: `input · weightᵀ + bias` in one BLAS call (the bias is written first and accumulated with
/// `beta = 1`, saving a separate pass and allocation).
extension Tensor {
    /// `input` `[…, in]`, `weight` `[out, in]` (PyTorch layout), optional `bias` `[out]` → `[…, out]`.
    ///
    /// With `products` ``BFloat16Products/bfloat16`` the products round their operands (input, weight and,
    /// backward, the output gradient) to bfloat16 and accumulate in Float32, as PyTorch's CPU autocast does;
    /// the weight itself stays Float32 and gets a Float32 gradient.
    public static func linear(_ input: Tensor, weight: Tensor, bias: Tensor? = nil,
                              products: BFloat16Products = .float32) -> Tensor {
        precondition(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == inFeatures,
                     "linear: input \(input.shape) does not end in \(inFeatures)")
        if let bias { precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) for \(outFeatures) outputs") }
        if products == .bfloat16 { return roundedLinear(input, weight: weight, bias: bias) }
        let rows = input.count / Swift.max(inFeatures, 1)
        let out = linearOutput(input, outFeatures: outFeatures, bias: bias)
        let po = out.storage.pointer
        sgemm(m: rows, n: outFeatures, k: inFeatures,
              a: input.storage.pointer, lda: inFeatures, transposeA: false,
              b: weight.storage.pointer, ldb: inFeatures, transposeB: true,
              c: po, ldc: outFeatures, beta: bias == nil ? 0 : 1)
        guard input.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true, GradMode.isEnabled else { return out }
        // Save only what the needed gradients read: the input for the weight's gradient, the weight for the
        // input's. A frozen weight (LoRA, frozen encoders) keeps no activation alive for backward.
        let savedInput = weight.requiresGrad ? input.detached() : nil
        let savedWeight = input.requiresGrad ? weight.detached() : nil
        let inputShape = input.shape, hasBias = bias != nil, needsBias = bias?.requiresGrad ?? false
        var inputs = [input, weight]
        if let bias { inputs.append(bias) }
        return record(out, inputs: inputs) { g in
            let g2 = g.reshaped([rows, outFeatures])
            var grads: [Tensor?] = [
                savedWeight.map { matmulForward(g2, $0, transposeA: false, transposeB: false).reshaped(inputShape) },
                savedInput.map { matmulForward(g2, $0.reshaped([rows, inFeatures]), transposeA: true, transposeB: false) },
            ]
            if hasBias { grads.append(needsBias ? g2.sum(axes: [0]) : nil) }
            return grads
        }
    }
}

extension Tensor {
    /// The output of a linear op, `[…, out]` for `input` `[…, in]`: every row a copy of `bias` (the product is then
    /// accumulated into it with beta = 1), uninitialised without a bias.
    static func linearOutput(_ input: Tensor, outFeatures: Int, bias: Tensor?) -> Tensor {
        let out = Tensor(uninitializedShape: Array(input.shape.dropLast()) + [outFeatures])
        if let bias {
            let (po, pb) = (out.storage.pointer, bias.storage.pointer)
            Parallel.forEachRange(out.count / Swift.max(outFeatures, 1), costPerItem: outFeatures) { r in
                for i in r { (po + i * outFeatures).update(from: pb, count: outFeatures) }
            }
        }
        return out
    }
}
