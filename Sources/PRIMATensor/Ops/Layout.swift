/// Shape and layout ops: reshape, permute, expand, narrow, concat, stack, split, pad.
extension Tensor {
    /// Same elements, new shape (shares storage). One axis may be -1.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let hole = target.firstIndex(of: -1) {
            let known = target.enumerated().reduce(1) { $1.offset == hole ? $0 : $0 * $1.element }
            target[hole] = known == 0 ? 0 : count / known
        }
        precondition(Shape.count(target) == count, "cannot reshape \(shape) to \(newShape)")
        if target == shape { return self }
        let out = Tensor(storage: storage, shape: target)
        let original = shape
        return Tensor.record(out, inputs: [self]) { g in [g.reshaped(original)] }
    }

    /// Reorders axes: result axis `i` is input axis `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.count == rank && Set(order) == Set(0..<rank), "bad permutation \(order) for rank \(rank)")
        if order == Array(0..<rank) { return self }
        let out = permuteCopy(order)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return Tensor.record(out, inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// Swaps two axes.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(Shape.axis(a, rank: rank), Shape.axis(b, rank: rank))
        return permuted(order)
    }

    private func permuteCopy(_ order: [Int]) -> Tensor {
        let outShape = order.map { shape[$0] }
        let inStrides = Shape.strides(shape)
        let strides = order.map { inStrides[$0] }
        let out = Tensor(uninitializedShape: outShape)
        let r = rank
        let inner = outShape[r - 1], innerStride = strides[r - 1]
        let rows = count / Swift.max(inner, 1)
        let px = storage.pointer, po = out.storage.pointer
        Parallel.forEachRange(rows, costPerItem: inner) { range in
            for row in range {
                var rem = row, off = 0
                for d in stride(from: r - 2, through: 0, by: -1) {
                    off += (rem % outShape[d]) * strides[d]
                    rem /= outShape[d]
                }
                let o = po + row * inner
                if innerStride == 1 {
                    o.update(from: px + off, count: inner)
                } else {
                    for j in 0..<inner { o[j] = px[off + j * innerStride] }
                }
            }
        }
        return out
    }

    /// Broadcasts to `target` (materialised copy); the gradient is summed back.
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        precondition(Shape.broadcast(shape, target) == target, "cannot expand \(shape) to \(target)")
        let out = broadcastCopy(to: target)
        let original = shape
        return Tensor.record(out, inputs: [self]) { g in [g.sumToShape(original)] }
    }

    private func broadcastCopy(to target: [Int]) -> Tensor {
        let source = self
        let out = Tensor(uninitializedShape: target)
        let s = Shape.broadcastStrides(source.shape, to: target)
        let po = out.storage.pointer, px = source.storage.pointer
        let r = target.count
        let inner = target[r - 1], innerStride = s[r - 1]
        let rows = out.count / Swift.max(inner, 1)
        Parallel.forEachRange(rows, costPerItem: inner) { range in
            for row in range {
                var rem = row, off = 0
                for d in stride(from: r - 2, through: 0, by: -1) {
                    off += (rem % target[d]) * s[d]
                    rem /= target[d]
                }
                let o = po + row * inner
                if innerStride == 1 { o.update(from: px + off, count: inner) } else {
                    let v = px[off]
                    for j in 0..<inner { o[j] = v }
                }
            }
        }
        return out
    }

    /// Inserts a size-1 axis at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        var s = shape
        s.insert(1, at: axis < 0 ? axis + rank + 1 : axis)
        return reshaped(s)
    }

    /// Removes the size-1 axis at `axis`.
    public func squeezed(_ axis: Int) -> Tensor {
        let a = Shape.axis(axis, rank: rank)
        precondition(shape[a] == 1, "squeeze of axis \(axis) with size \(shape[a])")
        var s = shape
        s.remove(at: a)
        return reshaped(s)
    }

    /// `length` elements along `axis` starting at `start` (copy); the gradient is scattered back.
    public func narrowed(axis: Int, start: Int, length: Int) -> Tensor {
        let a = Shape.axis(axis, rank: rank)
        precondition(start >= 0 && length >= 0 && start + length <= shape[a],
                     "narrow [\(start), \(start + length)) out of range for axis of size \(shape[a])")
        if start == 0 && length == shape[a] { return self }
        let (outer, n, inner) = split3(a)
        var outShape = shape
        outShape[a] = length
        let out = Tensor(uninitializedShape: outShape)
        let px = storage.pointer, po = out.storage.pointer
        let chunk = length * inner
        Parallel.forEachRange(outer, costPerItem: chunk) { r in
            for o in r { (po + o * chunk).update(from: px + (o * n + start) * inner, count: chunk) }
        }
        let original = shape
        return Tensor.record(out, inputs: [self]) { g in
            [g.padded(axis: a, before: start, after: original[a] - start - length)]
        }
    }

    /// Python-style slice `[start..<end]` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        narrowed(axis: axis, start: range.lowerBound, length: range.count)
    }

    /// Pads `axis` with `value`: `before` elements in front, `after` behind.
    public func padded(axis: Int, before: Int, after: Int, value: Float = 0) -> Tensor {
        let a = Shape.axis(axis, rank: rank)
        precondition(before >= 0 && after >= 0, "negative padding")
        if before == 0 && after == 0 { return self }
        let (outer, n, inner) = split3(a)
        var outShape = shape
        outShape[a] = n + before + after
        let out = Tensor(repeating: value, shape: outShape)
        let px = storage.pointer, po = out.storage.pointer
        let total = outShape[a] * inner
        Parallel.forEachRange(outer, costPerItem: n * inner) { r in
            for o in r { (po + o * total + before * inner).update(from: px + o * n * inner, count: n * inner) }
        }
        return Tensor.record(out, inputs: [self]) { g in [g.narrowed(axis: a, start: before, length: n)] }
    }

    /// Pads several trailing axes at once, PyTorch `F.pad` order: `[lastBefore, lastAfter, prevBefore, …]`.
    public func padded(_ pads: [Int], value: Float = 0) -> Tensor {
        precondition(pads.count % 2 == 0 && pads.count / 2 <= rank, "pad list \(pads) for rank \(rank)")
        var t = self
        for i in 0..<(pads.count / 2) {
            t = t.padded(axis: rank - 1 - i, before: pads[2 * i], after: pads[2 * i + 1], value: value)
        }
        return t
    }

    /// Joins tensors along `axis`; all other axes must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat of no tensors")
        let first = tensors[0]
        let a = Shape.axis(axis, rank: first.rank)
        for t in tensors {
            precondition(t.rank == first.rank && t.shape.enumerated().allSatisfy { $0.offset == a || $0.element == first.shape[$0.offset] },
                         "concat: shape \(t.shape) does not match \(first.shape) outside axis \(a)")
        }
        let sizes = tensors.map { $0.shape[a] }
        var outShape = first.shape
        outShape[a] = sizes.reduce(0, +)
        let out = Tensor(uninitializedShape: outShape)
        let (outer, total, inner) = out.split3(a)
        let po = out.storage.pointer
        var offset = 0
        for (t, n) in zip(tensors, sizes) {
            let px = t.storage.pointer, chunk = n * inner, at = offset
            Parallel.forEachRange(outer, costPerItem: chunk) { r in
                for o in r { (po + o * total * inner + at * inner).update(from: px + o * chunk, count: chunk) }
            }
            offset += n
        }
        return record(out, inputs: tensors) { g in
            var start = 0
            return sizes.enumerated().map { i, n in
                defer { start += n }
                return tensors[i].requiresGrad ? g.narrowed(axis: a, start: start, length: n) : nil
            }
        }
    }

    /// Stacks equally shaped tensors along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack of no tensors")
        let r = tensors[0].rank
        let a = axis < 0 ? axis + r + 1 : axis
        return concat(tensors.map { $0.unsqueezed(a) }, axis: a)
    }

    /// Splits `axis` into pieces of the given sizes.
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let a = Shape.axis(axis, rank: rank)
        precondition(sizes.reduce(0, +) == shape[a], "split sizes \(sizes) do not add up to \(shape[a])")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return narrowed(axis: a, start: start, length: n)
        }
    }

    /// Splits `axis` into `chunks` pieces of equal size (the last may be smaller, as in `torch.chunk`).
    public func chunked(_ chunks: Int, axis: Int) -> [Tensor] {
        let a = Shape.axis(axis, rank: rank)
        let size = (shape[a] + chunks - 1) / chunks
        var sizes: [Int] = []
        var left = shape[a]
        while left > 0 { sizes.append(Swift.min(size, left)); left -= size }
        return split(sizes: sizes, axis: a)
    }

    /// Flattens axes `start...end` into one.
    public func flattened(from start: Int = 0, to end: Int = -1) -> Tensor {
        let s = Shape.axis(start, rank: rank), e = Shape.axis(end, rank: rank)
        let merged = shape[s...e].reduce(1, *)
        return reshaped(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }
}
