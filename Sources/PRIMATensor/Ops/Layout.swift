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
        guard Tensor.needsRecording(self) else { return out }
        let original = shape
        return Tensor.recordUnary(out, self) { g in g.viewed(as: original) }
    }

    /// Reorders axes: result axis `i` is input axis `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.count == rank, "bad permutation \(order) for rank \(rank)")
        var inverse = [Int](repeating: -1, count: rank)
        var isIdentity = true
        for (i, o) in order.enumerated() {
            precondition(o >= 0 && o < rank && inverse[o] < 0, "bad permutation \(order) for rank \(rank)")
            inverse[o] = i
            if o != i { isIdentity = false }
        }
        if isIdentity { return self }
        let out = permuteCopy(order)
        guard Tensor.needsRecording(self) else { return out }
        return Tensor.recordUnary(out, self) { g in g.permuted(inverse) }
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
        if innerStride != 1, let q = order.firstIndex(of: r - 1), outShape[q] >= 8 && inner >= 8 {
            transposeTiles(into: out, strides: strides, contiguousAxis: q)
            return out
        }
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

    /// A permutation that moves the input's contiguous last axis to output axis `q` is a batch of 2-D
    /// transposes between output axes `q` and last: copied in 32×32 tiles so that both the strided
    /// reads and the contiguous writes stay in cache.
    private func transposeTiles(into out: Tensor, strides: [Int], contiguousAxis q: Int) {
        let outShape = out.shape, r = outShape.count
        let outStrides = Shape.strides(outShape)
        let rows = outShape[q], columns = outShape[r - 1]
        let readStride = strides[r - 1], writeStride = outStrides[q]
        let batchAxes = (0..<(r - 1)).filter { $0 != q }
        let batchCount = count / Swift.max(rows * columns, 1)
        let tile = 32, rowTiles = (rows + tile - 1) / tile
        let px = storage.pointer, po = out.storage.pointer
        Parallel.forEachRange(batchCount * rowTiles, costPerItem: tile * columns) { range in
            for item in range {
                var rem = item / rowTiles, inOffset = 0, outOffset = 0
                for d in batchAxes.reversed() {
                    let i = rem % outShape[d]
                    rem /= outShape[d]
                    inOffset += i * strides[d]
                    outOffset += i * outStrides[d]
                }
                let p0 = (item % rowTiles) * tile, p1 = Swift.min(p0 + tile, rows)
                var j0 = 0
                while j0 < columns {
                    let j1 = Swift.min(j0 + tile, columns)
                    for p in p0..<p1 {
                        let src = px + inOffset + p, dst = po + outOffset + p * writeStride
                        for j in j0..<j1 { dst[j] = src[j * readStride] }
                    }
                    j0 = j1
                }
            }
        }
    }

    /// Broadcasts to `target` (materialised copy); the gradient is summed back.
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        precondition(Shape.broadcast(shape, target) == target, "cannot expand \(shape) to \(target)")
        let out = broadcastCopy(to: target)
        guard Tensor.needsRecording(self) else { return out }
        let original = shape
        return Tensor.recordUnary(out, self) { g in g.sumToShape(original) }
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
        guard Tensor.needsRecording(self) else { return out }
        let after = shape[a] - start - length
        return Tensor.recordUnary(out, self) { g in g.padded(axis: a, before: start, after: after) }
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
        guard Tensor.needsRecording(self) else { return out }
        return Tensor.recordUnary(out, self) { g in g.narrowed(axis: a, start: before, length: n) }
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
        let out = joined(tensors, sizes: sizes, axis: a, outShape: outShape)
        guard tensors.contains(where: { $0.requiresGrad }), GradMode.isEnabled else { return out }
        // Only the flags are kept, not the inputs' storage.
        let needs = tensors.map(\.requiresGrad)
        return record(out, inputs: tensors) { g in
            var start = 0
            return sizes.indices.map { i in
                defer { start += sizes[i] }
                return needs[i] ? g.narrowed(axis: a, start: start, length: sizes[i]) : nil
            }
        }
    }

    /// Stacks equally shaped tensors along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack of no tensors")
        let shape = tensors[0].shape
        for t in tensors { precondition(t.shape == shape, "stack: shape \(t.shape) differs from \(shape)") }
        let a = axis < 0 ? axis + shape.count + 1 : axis
        precondition(a >= 0 && a <= shape.count, "stack axis \(axis) out of range for rank \(shape.count)")
        var outShape = shape
        outShape.insert(tensors.count, at: a)
        // Each input is a size-1 slice of the new axis: the same copy as concat, without reshape nodes.
        let out = joined(tensors, sizes: [Int](repeating: 1, count: tensors.count), axis: a, outShape: outShape)
        guard tensors.contains(where: { $0.requiresGrad }), GradMode.isEnabled else { return out }
        let needs = tensors.map(\.requiresGrad)
        return record(out, inputs: tensors) { g in
            needs.indices.map { i in needs[i] ? g.narrowed(axis: a, start: i, length: 1).viewed(as: shape) : nil }
        }
    }

    /// Copies `tensors` side by side along `axis` of `outShape`, piece `i` taking `sizes[i]` positions.
    private static func joined(_ tensors: [Tensor], sizes: [Int], axis a: Int, outShape: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: outShape)
        var outer = 1, inner = 1
        for d in 0..<a { outer *= outShape[d] }
        for d in (a + 1)..<outShape.count { inner *= outShape[d] }
        let rowLength = outShape[a] * inner
        let po = out.storage.pointer
        var offset = 0
        for (t, n) in zip(tensors, sizes) {
            let px = t.storage.pointer, chunk = n * inner, at = offset * inner
            Parallel.forEachRange(outer, costPerItem: chunk) { r in
                for o in r { (po + o * rowLength + at).update(from: px + o * chunk, count: chunk) }
            }
            offset += n
        }
        return out
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
