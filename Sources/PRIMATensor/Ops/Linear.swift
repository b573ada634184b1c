/// `F.linear`: `input · weightᵀ + bias` in one BLAS call (the bias is written first and accumulated with
/// `beta = 1`, saving a separate pass and allocation).
extension Tensor {
    /// `input` `[…, in]`, `weight` `[out, in]` (PyTorch layout), optional `bias` `[out]` → `[…, out]`.
    public static func linear(_ input: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
        precondition(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == inFeatures,
                     "linear: input \(input.shape) does not end in \(inFeatures)")
        if let bias { precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) for \(outFeatures) outputs") }
        let rows = input.count / Swift.max(inFeatures, 1)
        let outShape = Array(input.shape.dropLast()) + [outFeatures]
        let out = Tensor(uninitializedShape: outShape)
        let po = out.storage.pointer
        if let bias {
            let pb = bias.storage.pointer
            Parallel.forEachRange(rows, costPerItem: outFeatures) { r in
                for i in r { (po + i * outFeatures).update(from: pb, count: outFeatures) }
            }
        }
        sgemm(m: rows, n: outFeatures, k: inFeatures,
              a: input.storage.pointer, lda: inFeatures, transposeA: false,
              b: weight.storage.pointer, ldb: inFeatures, transposeB: true,
              c: po, ldc: outFeatures, beta: bias == nil ? 0 : 1)
        var inputs = [input, weight]
        if let bias { inputs.append(bias) }
        return record(out, inputs: inputs) { g in
            let g2 = g.reshaped([rows, outFeatures])
            var grads: [Tensor?] = [
                input.requiresGrad ? matmulForward(g2, weight, transposeA: false, transposeB: false).reshaped(input.shape) : nil,
                weight.requiresGrad ? matmulForward(g2, input.reshaped([rows, inFeatures]), transposeA: true, transposeB: false) : nil,
            ]
            if let bias { grads.append(bias.requiresGrad ? g2.sum(axes: [0]) : nil) }
            return grads
        }
    }
}
