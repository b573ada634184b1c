import CPRIMAKernels

/// Layer norm and RMS norm over the last axis on fused kernels: one read of the input per row forward, the
/// per-row statistics (mean, 1/std) saved for a backward pass that recomputes the normalised input.
extension Tensor {
    /// Layer normalisation of the last axis (PyTorch `F.layer_norm` with `normalized_shape = [last]`):
    /// `(x - mean) / sqrt(var + eps) * weight + bias`, with the biased variance. `weight` and `bias` are
    /// optional tensors of shape `[last]`.
    public func layerNorm(weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
        let (rows, cols) = VectorMath.rowsAndColumns(shape)
        checkNormParameter(weight, "weight", cols)
        checkNormParameter(bias, "bias", cols)
        let out = Tensor(uninitializedShape: shape)
        let mean = Tensor(uninitializedShape: [rows]), rstd = Tensor(uninitializedShape: [rows])
        let px = UnsafePointer(storage.pointer), py = out.storage.pointer
        let pm = mean.storage.pointer, pr = rstd.storage.pointer
        let pw = weight.map { UnsafePointer($0.storage.pointer) }, pb = bias.map { UnsafePointer($0.storage.pointer) }
        Parallel.forEachRange(rows, costPerItem: cols * 2) { r in
            let offset = r.lowerBound * cols
            prima_layer_norm_forward_f32(px + offset, pw, pb, py + offset, pm + r.lowerBound, pr + r.lowerBound,
                                         r.count, cols, eps)
        }
        let x = self
        return Tensor.record(out, inputs: [self] + [weight, bias].compactMap { $0 }) { g in
            // Pointers are taken again from the captured tensors, which keep the saved statistics alive.
            let pw = weight.map { UnsafePointer($0.storage.pointer) }
            let pm = UnsafePointer(mean.storage.pointer), pr = UnsafePointer(rstd.storage.pointer)
            let grads = NormBackward.run(rows: rows, cols: cols, dx: x.requiresGrad,
                                         dweight: weight?.requiresGrad ?? false, dbias: bias?.requiresGrad ?? false) {
                dx, dweight, dbias, range in
                let offset = range.lowerBound * cols
                prima_layer_norm_backward_f32(UnsafePointer(x.storage.pointer) + offset, UnsafePointer(g.storage.pointer) + offset,
                                              pw, pm + range.lowerBound, pr + range.lowerBound,
                                              dx.map { $0 + offset }, dweight, dbias, range.count, cols)
            }
            var result: [Tensor?] = [grads.dx?.reshaped(x.shape)]
            if weight != nil { result.append(grads.dweight) }
            if bias != nil { result.append(grads.dbias) }
            return result
        }
    }

    /// RMS normalisation of the last axis (Qwen3 / T5 / LLaMA `RMSNorm`): `x / sqrt(mean(x^2) + eps) * weight`,
    /// `weight` an optional tensor of shape `[last]`.
    public func rmsNorm(weight: Tensor? = nil, eps: Float = 1e-6) -> Tensor {
        let (rows, cols) = VectorMath.rowsAndColumns(shape)
        checkNormParameter(weight, "weight", cols)
        let out = Tensor(uninitializedShape: shape)
        let rstd = Tensor(uninitializedShape: [rows])
        let px = UnsafePointer(storage.pointer), py = out.storage.pointer, pr = rstd.storage.pointer
        let pw = weight.map { UnsafePointer($0.storage.pointer) }
        Parallel.forEachRange(rows, costPerItem: cols * 2) { r in
            let offset = r.lowerBound * cols
            prima_rms_norm_forward_f32(px + offset, pw, py + offset, pr + r.lowerBound, r.count, cols, eps)
        }
        let x = self
        return Tensor.record(out, inputs: [self] + [weight].compactMap { $0 }) { g in
            let pw = weight.map { UnsafePointer($0.storage.pointer) }, pr = UnsafePointer(rstd.storage.pointer)
            let grads = NormBackward.run(rows: rows, cols: cols, dx: x.requiresGrad,
                                         dweight: weight?.requiresGrad ?? false, dbias: false) { dx, dweight, _, range in
                let offset = range.lowerBound * cols
                prima_rms_norm_backward_f32(UnsafePointer(x.storage.pointer) + offset, UnsafePointer(g.storage.pointer) + offset,
                                            pw, pr + range.lowerBound, dx.map { $0 + offset }, dweight,
                                            range.count, cols)
            }
            var result: [Tensor?] = [grads.dx?.reshaped(x.shape)]
            if weight != nil { result.append(grads.dweight) }
            return result
        }
    }

    private func checkNormParameter(_ parameter: Tensor?, _ name: String, _ cols: Int) {
        guard let parameter else { return }
        precondition(parameter.shape == [cols], "norm \(name) of shape \(parameter.shape) for last axis of size \(cols) (input \(shape))")
    }
}

/// Runs a norm's backward kernel over row blocks in parallel. Each block accumulates its own weight/bias
/// gradient, and the blocks are summed in order afterwards, so the result does not depend on the thread count;
/// short blocks also keep the float accumulation error of long row sums down.
enum NormBackward {
    /// Rows per block (at most ``maxBlocks`` blocks).
    static let rowsPerBlock = 32
    static let maxBlocks = 256

    typealias Block = (_ dx: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>?,
                       _ dbias: UnsafeMutablePointer<Float>?, _ rows: Range<Int>) -> Void

    static func run(rows: Int, cols: Int, dx needsDx: Bool, dweight needsWeight: Bool, dbias needsBias: Bool,
                    _ body: Block) -> (dx: Tensor?, dweight: Tensor?, dbias: Tensor?) {
        let blocks = Swift.max(1, Swift.min((rows + rowsPerBlock - 1) / rowsPerBlock, maxBlocks))
        let dx = needsDx ? Tensor(uninitializedShape: [rows, cols]) : nil
        let partialWeight = needsWeight ? Tensor.zeros([blocks, cols]) : nil
        let partialBias = needsBias ? Tensor.zeros([blocks, cols]) : nil
        let pdx = dx?.storage.pointer, pw = partialWeight?.storage.pointer, pb = partialBias?.storage.pointer
        Parallel.forEachRange(blocks, costPerItem: rows / blocks * cols * 2) { blockRange in
            for block in blockRange {
                let range = (rows * block / blocks)..<(rows * (block + 1) / blocks)
                body(pdx, pw.map { $0 + block * cols }, pb.map { $0 + block * cols }, range)
            }
        }
        return (dx, partialWeight.map { sumBlocks($0, blocks, cols) }, partialBias.map { sumBlocks($0, blocks, cols) })
    }

    private static func sumBlocks(_ partial: Tensor, _ blocks: Int, _ cols: Int) -> Tensor {
        let out = Tensor.zeros([cols])
        let po = out.storage.pointer, pp = partial.storage.pointer
        for block in 0..<blocks {
            let row = pp + block * cols
            for j in 0..<cols { po[j] += row[j] }
        }
        return out
    }
}
