import Foundation

/// Reductions over any set of axes, with or without keeping the reduced axes as size 1.
extension Tensor {
    /// Views the tensor as `[outer, n, inner]` around `axis`.
    func split3(_ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        return (outer, shape[axis], inner)
    }

    /// Reduces one axis with `combine`, starting from `initial`, keeping the axis as size 1.
    func reduceAxis(_ axis: Int, initial: Float, _ combine: (Float, Float) -> Float) -> Tensor {
        let (outer, n, inner) = split3(axis)
        var outShape = shape
        outShape[axis] = 1
        let out = Tensor(repeating: initial, shape: outShape)
        let px = storage.pointer, po = out.storage.pointer
        withoutActuallyEscaping(combine) { combine in
            let f = UncheckedSendable(combine)
            if inner == 1 {
                Parallel.forEachRange(outer, costPerItem: n) { r in
                    for o in r {
                        var acc = initial
                        let row = px + o * n
                        for k in 0..<n { acc = f.value(acc, row[k]) }
                        po[o] = acc
                    }
                }
            } else {
                Parallel.forEachRange(outer * inner, costPerItem: n) { r in
                    for idx in r {
                        let o = idx / inner, i = idx % inner
                        var acc = initial
                        let base = px + o * n * inner + i
                        for k in 0..<n { acc = f.value(acc, base[k * inner]) }
                        po[idx] = acc
                    }
                }
            }
        }
        return out
    }

    func normalisedAxes(_ axes: [Int]?) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        return Array(Set(axes.map { Shape.axis($0, rank: rank) })).sorted()
    }

    func reducedShape(_ axes: [Int], keepDims: Bool) -> [Int] {
        var s: [Int] = []
        for (i, d) in shape.enumerated() {
            if axes.contains(i) { if keepDims { s.append(1) } } else { s.append(d) }
        }
        return s
    }

    /// Reduces several axes with an associative `combine`, one axis at a time (no autodiff).
    func reduceAxes(_ axes: [Int], keepDims: Bool, initial: Float, _ combine: (Float, Float) -> Float) -> Tensor {
        var t = self
        for a in axes { t = t.reduceAxis(a, initial: initial, combine) }
        return t.detached().reshaped(reducedShape(axes, keepDims: keepDims))
    }

    /// Sum over `axes` (all axes when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = normalisedAxes(axes)
        let out = reduceAxes(ax, keepDims: keepDims, initial: 0, +)
        let kept = reducedShape(ax, keepDims: true)
        return Tensor.record(out, inputs: [self]) { g in [g.reshaped(kept).expanded(to: self.shape)] }
    }

    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = normalisedAxes(axes)
        let n = ax.reduce(1) { $0 * shape[$1] }
        return sum(axes: ax, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Variance over `axes`; `correction` 1 gives the unbiased estimate (PyTorch's default), 0 the biased one.
    public func variance(axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false) -> Tensor {
        let ax = normalisedAxes(axes)
        let n = ax.reduce(1) { $0 * shape[$1] }
        let centred = self - mean(axes: ax, keepDims: true)
        return (centred * centred).sum(axes: ax, keepDims: keepDims) * (1 / Float(Swift.max(n - correction, 1)))
    }

    /// Maximum over `axes`; the gradient is split evenly among tied maxima (PyTorch's rule for `amax`).
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(axes: axes, keepDims: keepDims, initial: -.infinity, Swift.max)
    }

    /// Minimum over `axes`; the gradient is split evenly among tied minima.
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(axes: axes, keepDims: keepDims, initial: .infinity, Swift.min)
    }

    public func max(axis: Int, keepDims: Bool = false) -> Tensor { max(axes: [axis], keepDims: keepDims) }
    public func min(axis: Int, keepDims: Bool = false) -> Tensor { min(axes: [axis], keepDims: keepDims) }

    private func extremum(axes: [Int]?, keepDims: Bool, initial: Float, _ combine: @escaping (Float, Float) -> Float) -> Tensor {
        let ax = normalisedAxes(axes)
        let out = reduceAxes(ax, keepDims: keepDims, initial: initial, combine)
        let kept = reducedShape(ax, keepDims: true)
        return Tensor.record(out, inputs: [self]) { g in
            let hit = Tensor.compare(self, out.reshaped(kept), ==)
            let ties = hit.sum(axes: ax, keepDims: true)
            return [hit * (g.reshaped(kept) / ties)]
        }
    }

    /// `log(sum(exp(x)))` over `axes`, computed stably.
    public func logSumExp(axes: [Int], keepDims: Bool = false) -> Tensor {
        let ax = normalisedAxes(axes)
        let m = detached().max(axes: ax, keepDims: true).mapScalars { $0.isFinite ? $0 : 0 }
        let s = (self - m).exp().sum(axes: ax, keepDims: true).log() + m
        return keepDims ? s : s.reshaped(reducedShape(ax, keepDims: false))
    }

    public func logSumExp(axis: Int, keepDims: Bool = false) -> Tensor { logSumExp(axes: [axis], keepDims: keepDims) }

    /// Index of the largest element along `axis` (first one on ties); no gradient.
    public func argmax(axis: Int, keepDims: Bool = false) -> Tensor { argExtremum(axis, keepDims, >) }

    /// Index of the smallest element along `axis` (first one on ties); no gradient.
    public func argmin(axis: Int, keepDims: Bool = false) -> Tensor { argExtremum(axis, keepDims, <) }

    private func argExtremum(_ axis: Int, _ keepDims: Bool, _ better: (Float, Float) -> Bool) -> Tensor {
        let a = Shape.axis(axis, rank: rank)
        let (outer, n, inner) = split3(a)
        let out = Tensor(uninitializedShape: reducedShape([a], keepDims: keepDims))
        let px = storage.pointer, po = out.storage.pointer
        for o in 0..<outer {
            for i in 0..<inner {
                let base = px + o * n * inner + i
                var best = 0
                var bestValue = base[0]
                for k in 1..<Swift.max(n, 1) where better(base[k * inner], bestValue) || (bestValue.isNaN == false && base[k * inner].isNaN) {
                    best = k
                    bestValue = base[k * inner]
                    if bestValue.isNaN { break }
                }
                po[o * inner + i] = Float(best)
            }
        }
        return out
    }
}
