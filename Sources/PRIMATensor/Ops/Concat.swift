/// Joining tensors along an axis (concat, stack) and splitting one into pieces (split, chunk).
extension Tensor {
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
}
