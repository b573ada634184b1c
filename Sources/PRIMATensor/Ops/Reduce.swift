import Foundation

/// Reductions over any set of axes, with or without keeping the reduced axes as size 1.
extension Tensor {
    /// Views the tensor as `[outer, n, inner]` around `axis`.
    func split3(_ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        var outer = 1, inner = 1
        for d in 0..<axis { outer *= shape[d] }
        for d in (axis + 1)..<rank { inner *= shape[d] }
        return (outer, shape[axis], inner)
    }

    /// Sorted, unique, non-negative axes (all axes when nil).
    func normalisedAxes(_ axes: [Int]?) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        if axes.count == 1 { return [Shape.axis(axes[0], rank: rank)] }
        return Array(Set(axes.map { Shape.axis($0, rank: rank) })).sorted()
    }

    func reducedShape(_ axes: [Int], keepDims: Bool) -> [Int] {
        var s: [Int] = []
        s.reserveCapacity(rank)
        for (i, d) in shape.enumerated() {
            if axes.contains(i) { if keepDims { s.append(1) } } else { s.append(d) }
        }
        return s
    }

    /// The same storage viewed with another shape of equal element count (no autodiff).
    func viewed(as newShape: [Int]) -> Tensor { Tensor(storage: storage, shape: newShape) }

    /// Sum over `axes` (all axes when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        // The common loss reduction: straight to a scalar (constants only; no task-local read).
        if axes == nil && !keepDims && node == nil { return Tensor.reduceAll(self, SumReduction.self) }
        let ax = normalisedAxes(axes)
        let kept = reduceAxes(ax, SumReduction.self)
        let out = keepDims ? kept : kept.viewed(as: reducedShape(ax, keepDims: false))
        guard Tensor.needsRecording(self) else { return out }
        let inputShape = shape, keptShape = kept.shape
        return Tensor.recordUnary(out, self) { g in g.viewed(as: keptShape).expanded(to: inputShape) }
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        if axes == nil && !keepDims && node == nil {
            let total = Tensor.reduceAll(self, SumReduction.self)
            total.storage.pointer[0] /= Float(Swift.max(count, 1))   // a fresh, unshared buffer
            return total
        }
        let ax = normalisedAxes(axes)
        let n = Float(Swift.max(ax.reduce(1) { $0 * shape[$1] }, 1))
        var kept = reduceAxes(ax, SumReduction.self)
        kept.withUnsafeMutableBuffer { buf in for i in buf.indices { buf[i] /= n } }
        let out = keepDims ? kept : kept.viewed(as: reducedShape(ax, keepDims: false))
        guard Tensor.needsRecording(self) else { return out }
        let inputShape = shape, keptShape = kept.shape
        return Tensor.recordUnary(out, self) { g in (g / n).viewed(as: keptShape).expanded(to: inputShape) }
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Variance over `axes`; `correction` 1 gives the unbiased estimate (PyTorch's default), 0 the biased one.
    public func variance(axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false) -> Tensor {
        let ax = normalisedAxes(axes)
        let n = ax.reduce(1) { $0 * shape[$1] }
        let x = detached()
        var mean = x.reduceAxes(ax, SumReduction.self)
        mean.withUnsafeMutableBuffer { buf in for i in buf.indices { buf[i] /= Float(Swift.max(n, 1)) } }
        let centred = Tensor.broadcastMap(x, mean, SubFunction.self)
        let divisor = Float(Swift.max(n - correction, 1))
        var kept = Tensor.broadcastMap(centred, centred, MulFunction.self).reduceAxes(ax, SumReduction.self)
        kept.withUnsafeMutableBuffer { buf in for i in buf.indices { buf[i] /= divisor } }
        let out = keepDims ? kept : kept.viewed(as: reducedShape(ax, keepDims: false))
        guard Tensor.needsRecording(self) else { return out }
        let keptShape = kept.shape
        // d var / dx = 2 (x - mean) / (n - correction); the mean's own gradient sums to zero.
        return Tensor.recordUnary(out, self) { g in centred * (g * (2 / divisor)).viewed(as: keptShape) }
    }

    /// Maximum over `axes` (NaN if the slice holds NaN); the gradient is split evenly among tied
    /// maxima (PyTorch's rule for `amax`).
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(axes: axes, keepDims: keepDims, MaxReduction.self)
    }

    /// Minimum over `axes`; the gradient is split evenly among tied minima.
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(axes: axes, keepDims: keepDims, MinReduction.self)
    }

    /// Maximum over one axis.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor { max(axes: [axis], keepDims: keepDims) }
    /// Minimum over one axis.
    public func min(axis: Int, keepDims: Bool = false) -> Tensor { min(axes: [axis], keepDims: keepDims) }

    private func extremum<R: ReductionKernel>(axes: [Int]?, keepDims: Bool, _: R.Type) -> Tensor {
        if axes == nil && !keepDims && node == nil { return Tensor.reduceAll(self, R.self) }
        let ax = normalisedAxes(axes)
        let kept = reduceAxes(ax, R.self)
        let out = keepDims ? kept : kept.viewed(as: reducedShape(ax, keepDims: false))
        guard Tensor.needsRecording(self) else { return out }
        let x = detached(), keptShape = kept.shape
        return Tensor.recordUnary(out, self) { g in
            let hit = Tensor.broadcastMap(x, kept, EqualFunction.self)
            let ties = hit.reduceAxes(ax, SumReduction.self)
            return hit * (g.viewed(as: keptShape) / ties)
        }
    }

    /// `log(sum(exp(x)))` over `axes`, computed stably (the maximum is subtracted first). Rows that are
    /// all `-inf` give `-inf`.
    public func logSumExp(axes: [Int], keepDims: Bool = false) -> Tensor {
        let ax = normalisedAxes(axes)
        let x = detached()
        var shift = x.reduceAxes(ax, MaxReduction.self)
        shift.withUnsafeMutableBuffer { buf in for i in buf.indices where !buf[i].isFinite { buf[i] = 0 } }
        // x and shift are constants, so nothing here is recorded.
        let kept = (x - shift).exp().reduceAxes(ax, SumReduction.self).log() + shift
        let out = keepDims ? kept : kept.viewed(as: reducedShape(ax, keepDims: false))
        guard Tensor.needsRecording(self) else { return out }
        let keptShape = kept.shape
        // d lse / dx = exp(x - lse), the softmax over the reduced axes.
        return Tensor.recordUnary(out, self) { g in (x - kept).exp() * g.viewed(as: keptShape) }
    }

    /// `log(sum(exp(x)))` over one axis.
    public func logSumExp(axis: Int, keepDims: Bool = false) -> Tensor { logSumExp(axes: [axis], keepDims: keepDims) }

    /// Index of the largest element along `axis` (first one on ties, NaN counts as largest); no gradient.
    public func argmax(axis: Int, keepDims: Bool = false) -> Tensor { argExtremum(axis, keepDims, largest: true) }

    /// Index of the smallest element along `axis` (first one on ties, NaN counts as smallest); no gradient.
    public func argmin(axis: Int, keepDims: Bool = false) -> Tensor { argExtremum(axis, keepDims, largest: false) }

    private func argExtremum(_ axis: Int, _ keepDims: Bool, largest: Bool) -> Tensor {
        let a = Shape.axis(axis, rank: rank)
        let (outer, n, inner) = split3(a)
        precondition(n > 0, "argmax/argmin over an empty axis")
        let out = Tensor(uninitializedShape: reducedShape([a], keepDims: keepDims))
        let px = storage.pointer, po = out.storage.pointer
        if inner == 1 {
            Parallel.forEachRange(outer, costPerItem: n) { r in
                for o in r { po[o] = Float(Tensor.bestIndex(px + o * n, count: n, largest: largest)) }
            }
            return out
        }
        // k outside, i inside: contiguous reads, with the running best values kept in the output row.
        let blockWidth = 256
        let blocks = (inner + blockWidth - 1) / blockWidth
        Parallel.forEachRange(outer * blocks, costPerItem: n * Swift.min(inner, blockWidth)) { r in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: blockWidth) { bestValues in
                for item in r {
                    let o = item / blocks, start = (item % blocks) * blockWidth
                    let width = Swift.min(blockWidth, inner - start)
                    let base = px + o * n * inner + start, index = po + o * inner + start
                    for i in 0..<width { bestValues[i] = base[i]; index[i] = 0 }
                    for k in 1..<n {
                        let row = base + k * inner
                        for i in 0..<width {
                            let v = row[i], best = bestValues[i]
                            // NaN wins and stays (first NaN), otherwise strict comparison keeps the first tie.
                            if best.isNaN { continue }
                            if v.isNaN || (largest ? v > best : v < best) {
                                bestValues[i] = v
                                index[i] = Float(k)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Position of the first largest (or smallest) of `count` contiguous values; the first NaN wins.
    private static func bestIndex(_ p: UnsafePointer<Float>, count n: Int, largest: Bool) -> Int {
        var best = 0
        var bestValue = p[0]
        if bestValue.isNaN { return 0 }
        for k in 1..<n {
            let v = p[k]
            if v.isNaN { return k }
            if largest ? v > bestValue : v < bestValue {
                best = k
                bestValue = v
            }
        }
        return best
    }
}
