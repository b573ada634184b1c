/// `F.linear` with a bfloat16 weight: the product accumulates in Float32 (see ``BFloat16GEMM``).
extension Tensor {
    /// `input` `[…, in]`, a frozen bfloat16 `weight` `[out, in]`, optional Float32 `bias` `[out]` → `[…, out]`.
    ///
    /// Gradients flow to `input` (`dX = dY · W`) and to `bias`; the weight is a constant and gets none.
    /// `products` says whether the input (and, backward, `dY`) is rounded to bf16 too (``BFloat16Products``).
    public static func linear(_ input: Tensor, weight: BFloat16Tensor, bias: Tensor? = nil,
                              products: BFloat16Products = .float32) -> Tensor {
        precondition(weight.shape.count == 2, "linear: weight must be [out, in], got \(weight.shape)")
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == inFeatures,
                     "linear: input \(input.shape) does not end in \(inFeatures)")
        if let bias { precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) for \(outFeatures) outputs") }
        let rows = input.count / Swift.max(inFeatures, 1)
        let out = linearOutput(input, outFeatures: outFeatures, bias: bias)
        let po = out.storage.pointer
        if bias == nil && inFeatures == 0 {
            po.update(repeating: 0, count: out.count)
        }
        if inFeatures > 0 {
            BFloat16GEMM.multiplyTransposed(m: rows, n: outFeatures, k: inFeatures, a: input.storage.pointer,
                                            weight: weight.storage.pointer, c: po, ldc: outFeatures,
                                            beta: bias == nil ? 0 : 1, products: products)
        }
        // The backward needs W (and the shapes), never the input: capture those only, so the tape does not keep every
        // frozen layer's input activations alive (as the float32 op does for a frozen weight).
        let inputShape = input.shape, needsInput = input.requiresGrad, hasBias = bias != nil, needsBias = bias?.requiresGrad ?? false
        var inputs = [input]
        if let bias { inputs.append(bias) }
        return record(out, inputs: inputs) { g in
            var grads: [Tensor?] = [nil]
            if needsInput {
                let gradInput = Tensor(uninitializedShape: inputShape)
                BFloat16GEMM.multiply(m: rows, n: outFeatures, k: inFeatures, g: g.storage.pointer,
                                      weight: weight.storage.pointer, c: gradInput.storage.pointer, products: products)
                grads[0] = gradInput
            }
            if hasBias { grads.append(needsBias ? g.reshaped([rows, outFeatures]).sum(axes: [0]) : nil) }
            return grads
        }
    }
}
