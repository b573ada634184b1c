/// `F.linear` with a Float32 weight under ``BFloat16Products/bfloat16``: what PyTorch's CPU autocast does to a
/// trainable `nn.Linear`. The weight stays Float32 (the master copy the optimiser updates); each call rounds
/// it, the input and, backward, the output gradient to bf16, and every product accumulates in Float32.
extension Tensor {
    /// `round(input) · round(weight)ᵀ + bias`, with gradients `dX = round(dY) · round(W)`,
    /// `dW = round(dY)ᵀ · round(X)` and `db = Σ dY` (unrounded) for the operands that require them.
    static func roundedLinear(_ input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        let rows = input.count / Swift.max(inFeatures, 1)
        let native = BFloat16GEMM.runsNatively
        let roundedWeight = BFloat16Tensor(rounding: weight)
        let recording = (input.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true) && GradMode.isEnabled
        // The rounded input is what the weight's gradient reads: keep it (half the bytes of the input) when that
        // gradient is needed, else round into scratch for the forward product only.
        let roundedInput = recording && weight.requiresGrad ? BFloat16Tensor(rounding: input) : nil

        let out = linearOutput(input, outFeatures: outFeatures, bias: bias)
        let po = out.storage.pointer
        if bias == nil && inFeatures == 0 {
            po.update(repeating: 0, count: out.count)
        }
        // The pointers below are into these buffers: keep them alive across the products.
        if inFeatures > 0 && rows > 0 { withExtendedLifetime((roundedWeight, roundedInput)) {
            let beta: Float = bias == nil ? 0 : 1
            if let roundedInput {
                BFloat16GEMM.multiplyTransposed(m: rows, n: outFeatures, k: inFeatures, roundedA: roundedInput.storage.pointer,
                                                weight: roundedWeight.storage.pointer, c: po, ldc: outFeatures, beta: beta,
                                                native: native, tileElements: BFloat16GEMM.tileElements)
            } else {
                BFloat16GEMM.multiplyTransposedRoundingInputs(m: rows, n: outFeatures, k: inFeatures, a: input.storage.pointer,
                                                              weight: roundedWeight.storage.pointer, c: po, ldc: outFeatures,
                                                              beta: beta, native: native,
                                                              tileElements: BFloat16GEMM.tileElements)
            }
        } }
        guard recording else { return out }

        let inputShape = input.shape, needsInput = input.requiresGrad, needsWeight = weight.requiresGrad
        let hasBias = bias != nil, needsBias = bias?.requiresGrad ?? false
        let savedWeight = needsInput ? roundedWeight : nil
        var inputs = [input, weight]
        if let bias { inputs.append(bias) }
        return record(out, inputs: inputs) { g in
            var grads: [Tensor?] = [nil, nil]
            if (needsInput || needsWeight) && rows > 0 && outFeatures > 0 {
                BFloat16GEMM.withRoundedCopy(of: g.storage.pointer, count: rows * outFeatures) { roundedG in
                    if let savedWeight {
                        let gradInput = Tensor(uninitializedShape: inputShape)
                        BFloat16GEMM.multiply(m: rows, n: outFeatures, k: inFeatures, roundedG: roundedG,
                                              weight: savedWeight.storage.pointer, c: gradInput.storage.pointer,
                                              native: native, tileElements: BFloat16GEMM.tileElements)
                        grads[0] = gradInput
                    }
                    if let roundedInput {
                        let gradWeight = Tensor(uninitializedShape: [outFeatures, inFeatures])
                        BFloat16GEMM.multiplyTransposingFirst(m: outFeatures, n: inFeatures, k: rows, roundedG: roundedG,
                                                              roundedX: roundedInput.storage.pointer,
                                                              c: gradWeight.storage.pointer, native: native)
                        grads[1] = gradWeight
                    }
                }
            } else {
                if needsInput { grads[0] = Tensor.zeros(inputShape) }
                if needsWeight { grads[1] = Tensor.zeros([outFeatures, inFeatures]) }
            }
            if hasBias { grads.append(needsBias ? g.reshaped([rows, outFeatures]).sum(axes: [0]) : nil) }
            return grads
        }
    }
}
