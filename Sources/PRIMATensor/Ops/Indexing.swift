/// Gather / index-select (embedding lookup) with scatter-add backward.
extension Tensor {
    /// Rows of `axis` picked by `indices` (integer-valued floats, any shape): the result's shape is
    /// `shape[..<axis] + indices.shape + shape[(axis+1)...]`. Repeated indices add up in the gradient.
    public func indexSelect(axis: Int, indices: Tensor) -> Tensor {
        let a = Shape.axis(axis, rank: rank)
        let (outer, n, inner) = split3(a)
        let idx = indices.withUnsafeBuffer { buffer in
            buffer.map { v -> Int in
                let i = Int(exactly: v) ?? -1
                precondition(i >= 0 && i < n, "index \(v) out of range for axis of size \(n)")
                return i
            }
        }
        let outShape = Array(shape[..<a]) + indices.shape + Array(shape[(a + 1)...])
        let out = Tensor(uninitializedShape: outShape)
        let px = storage.pointer, po = out.storage.pointer, m = idx.count
        idx.withUnsafeBufferPointer { ib in
            let ip = UncheckedSendable(ib)
            Parallel.forEachRange(outer * m, costPerItem: inner) { r in
                for j in r {
                    let o = j / m, k = j % m
                    (po + j * inner).update(from: px + (o * n + ip.value[k]) * inner, count: inner)
                }
            }
        }
        guard Tensor.needsRecording(self) else { return out }
        let original = shape
        return Tensor.recordUnary(out, self) { g in
            let grad = Tensor.zeros(original)
            let pg = grad.storage.pointer, pd = g.storage.pointer
            // Repeated indices write the same row, so the work is split by columns, not by indices.
            idx.withUnsafeBufferPointer { ib in
                let ip = UncheckedSendable(ib)
                Parallel.forEachRange(inner, costPerItem: outer * m) { columns in
                    for o in 0..<outer {
                        for k in 0..<m {
                            let dst = pg + (o * n + ip.value[k]) * inner, src = pd + (o * m + k) * inner
                            for t in columns { dst[t] += src[t] }
                        }
                    }
                }
            }
            return grad
        }
    }

    /// Embedding lookup: rows of a `[vocabulary, dim]` table for integer `ids` of any shape.
    public func embeddingLookup(_ ids: Tensor) -> Tensor { indexSelect(axis: 0, indices: ids) }

    /// `torch.gather`: picks along `axis` with an index tensor of the same rank; other axes of `indices`
    /// must not exceed the input's.
    public func gather(axis: Int, indices: Tensor) -> Tensor {
        let a = Shape.axis(axis, rank: rank)
        precondition(indices.rank == rank, "gather: index rank \(indices.rank) for input rank \(rank)")
        for d in 0..<rank where d != a {
            precondition(indices.shape[d] <= shape[d], "gather: index shape \(indices.shape) exceeds input \(shape) on axis \(d)")
        }
        let outShape = indices.shape
        let inStrides = Shape.strides(shape), outStrides = Shape.strides(outShape)
        let out = Tensor(uninitializedShape: outShape)
        let px = storage.pointer, pi = indices.storage.pointer, po = out.storage.pointer
        let size = shape[a], r = rank
        var offsets = [Int](repeating: 0, count: out.count)
        offsets.withUnsafeMutableBufferPointer { buffer in
            let offsetsOut = UncheckedSendable(buffer.baseAddress!)
            Parallel.forEachRange(out.count, costPerItem: r) { range in
                for j in range {
                    var rem = j, off = 0
                    for d in 0..<r {
                        let i = rem / outStrides[d]
                        rem -= i * outStrides[d]
                        if d == a {
                            let v = Int(exactly: pi[j]) ?? -1
                            precondition(v >= 0 && v < size, "gather index \(pi[j]) out of range for axis of size \(size)")
                            off += v * inStrides[d]
                        } else {
                            off += i * inStrides[d]
                        }
                    }
                    offsetsOut.value[j] = off
                    po[j] = px[off]
                }
            }
        }
        guard Tensor.needsRecording(self) else { return out }
        let original = shape
        return Tensor.recordUnary(out, self) { g in
            let grad = Tensor.zeros(original)
            let pg = grad.storage.pointer, pd = g.storage.pointer
            // Serial: several outputs may have read the same input element.
            for j in 0..<offsets.count { pg[offsets[j]] += pd[j] }
            return grad
        }
    }
}
