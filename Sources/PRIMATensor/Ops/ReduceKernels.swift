/// Reduction kernels: an associative combine (sum, max, min) applied along axes, specialised per
/// reduction so the loops vectorise.
protocol ReductionKernel {
    /// The value of an empty reduction.
    static var identity: Float { get }
    static func combine(_ acc: Float, _ x: Float) -> Float
    static func combine(_ acc: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float>
}

enum SumReduction: ReductionKernel {
    static var identity: Float { 0 }
    @inline(__always) static func combine(_ acc: Float, _ x: Float) -> Float { acc + x }
    @inline(__always) static func combine(_ acc: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> { acc + x }
}

/// Maximum that propagates NaN (as `torch.amax`).
enum MaxReduction: ReductionKernel {
    static var identity: Float { -.infinity }
    @inline(__always) static func combine(_ acc: Float, _ x: Float) -> Float { x != x ? x : (x > acc ? x : acc) }
    @inline(__always) static func combine(_ acc: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
        acc.replacing(with: x, where: (x .> acc) .| (x .!= x))
    }
}

/// Minimum that propagates NaN (as `torch.amin`).
enum MinReduction: ReductionKernel {
    static var identity: Float { .infinity }
    @inline(__always) static func combine(_ acc: Float, _ x: Float) -> Float { x != x ? x : (x < acc ? x : acc) }
    @inline(__always) static func combine(_ acc: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
        acc.replacing(with: x, where: (x .< acc) .| (x .!= x))
    }
}

extension Tensor {
    /// Reduces `axes` (sorted, unique) with `R`, keeping them as size 1. Adjacent reduced axes and
    /// adjacent kept axes are merged first, so the usual cases (leading, trailing or middle block) take
    /// one pass over `[outer, n, inner]`.
    func reduceAxes<R: ReductionKernel>(_ axes: [Int], _: R.Type) -> Tensor {
        var keptShape = shape
        for a in axes { keptShape[a] = 1 }
        // Merge into blocks of (size, reduced), dropping size-1 axes (they reduce trivially).
        var sizes: [Int] = [], reduced: [Bool] = []
        for (d, size) in shape.enumerated() where size != 1 {
            let r = axes.contains(d)
            if let last = reduced.last, last == r {
                sizes[sizes.count - 1] *= size
            } else {
                sizes.append(size)
                reduced.append(r)
            }
        }
        if sizes.count == 1 && reduced[0] {
            return Tensor(storage: Tensor.reduceAll(self, R.self).storage, shape: keptShape)
        }
        var current = self
        while let j = reduced.lastIndex(of: true) {
            let outer = sizes[..<j].reduce(1, *), inner = sizes[(j + 1)...].reduce(1, *)
            current = Tensor.reduceBlock(current, outer: outer, n: sizes[j], inner: inner, R.self)
            sizes.remove(at: j)
            reduced.remove(at: j)
            if j > 0 && j < sizes.count && !reduced[j - 1] && !reduced[j] {
                sizes[j - 1] *= sizes[j]
                sizes.remove(at: j)
                reduced.remove(at: j)
            }
        }
        return Tensor(storage: current.storage, shape: keptShape)
    }

    /// Reduces every element of `x` into a one-element tensor: fixed blocks reduced in parallel, then
    /// combined in order, so the result does not depend on the thread count.
    static func reduceAll<R: ReductionKernel>(_ x: Tensor, _: R.Type) -> Tensor {
        let out = Tensor(uninitializedShape: [])
        let n = x.count, px = x.storage.pointer, block = 4096
        if n <= block {
            out.storage.pointer[0] = reduceContiguous(px, count: n, R.self)
            return out
        }
        let blocks = (n + block - 1) / block
        var partials = [Float](repeating: R.identity, count: blocks)
        partials.withUnsafeMutableBufferPointer { buffer in
            let pp = UncheckedSendable(buffer.baseAddress!)
            Parallel.forEachRange(blocks, costPerItem: block) { r in
                for b in r {
                    let start = b * block
                    pp.value[b] = reduceContiguous(px + start, count: Swift.min(block, n - start), R.self)
                }
            }
        }
        var result = R.identity
        for p in partials { result = R.combine(result, p) }
        out.storage.pointer[0] = result
        return out
    }

    /// Reduces the middle axis of `x` viewed as `[outer, n, inner]` into a new `[outer, inner]` buffer.
    static func reduceBlock<R: ReductionKernel>(_ x: Tensor, outer: Int, n: Int, inner: Int, _: R.Type) -> Tensor {
        let out = Tensor(uninitializedShape: [outer * inner])
        let px = x.storage.pointer, po = out.storage.pointer
        if inner == 1 {
            Parallel.forEachRange(outer, costPerItem: n) { r in
                for o in r { po[o] = reduceContiguous(px + o * n, count: n, R.self) }
            }
            return out
        }
        // Walk k outside and i inside so both the reads and the accumulators are contiguous; split the
        // inner axis into column blocks so that a single outer row still spreads across cores.
        let blockWidth = 1024
        let blocks = (inner + blockWidth - 1) / blockWidth
        Parallel.forEachRange(outer * blocks, costPerItem: n * Swift.min(inner, blockWidth)) { r in
            for item in r {
                let o = item / blocks, start = (item % blocks) * blockWidth
                let width = Swift.min(blockWidth, inner - start)
                let acc = po + o * inner + start
                let base = px + o * n * inner + start
                if n == 0 {
                    acc.update(repeating: R.identity, count: width)
                    continue
                }
                acc.update(from: base, count: width)
                for k in 1..<n {
                    let row = base + k * inner
                    for i in 0..<width { acc[i] = R.combine(acc[i], row[i]) }
                }
            }
        }
        return out
    }

    /// Reduces `count` contiguous floats: blocks of 4096 reduced with 8-lane accumulators, then the
    /// block results combined, which keeps float32 sums of long rows accurate (like a cascade sum).
    @inline(__always)
    static func reduceContiguous<R: ReductionKernel>(_ p: UnsafePointer<Float>, count n: Int, _: R.Type) -> Float {
        let block = 4096
        if n <= block { return reduceBlockContiguous(p, count: n, R.self) }
        var result = R.identity
        var start = 0
        while start < n {
            result = R.combine(result, reduceBlockContiguous(p + start, count: Swift.min(block, n - start), R.self))
            start += block
        }
        return result
    }

    @inline(__always)
    static func reduceBlockContiguous<R: ReductionKernel>(_ p: UnsafePointer<Float>, count n: Int, _: R.Type) -> Float {
        var i = 0
        var result = R.identity
        if n >= 16 {
            let raw = UnsafeRawPointer(p)
            var acc0 = SIMD8<Float>(repeating: R.identity), acc1 = acc0
            while i + 16 <= n {
                acc0 = R.combine(acc0, raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
                acc1 = R.combine(acc1, raw.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self))
                i += 16
            }
            let acc = R.combine(acc0, acc1)
            for lane in 0..<8 { result = R.combine(result, acc[lane]) }
        }
        while i < n {
            result = R.combine(result, p[i])
            i += 1
        }
        return result
    }
}
