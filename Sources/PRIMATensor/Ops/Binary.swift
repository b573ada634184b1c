/// Elementwise binary ops with NumPy/PyTorch broadcasting. Gradients of broadcast inputs are summed back
/// to the input's shape.

public protocol BinaryScalarFunction {
    static func apply(_ a: Float, _ b: Float) -> Float
}

public enum AddFunction: BinaryScalarFunction { @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
public enum SubFunction: BinaryScalarFunction { @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
public enum MulFunction: BinaryScalarFunction { @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
public enum DivFunction: BinaryScalarFunction { @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a / b } }
public enum MaxFunction: BinaryScalarFunction { @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { Swift.max(a, b) } }
public enum MinFunction: BinaryScalarFunction { @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { Swift.min(a, b) } }

extension Tensor {
    /// Applies `F` elementwise with broadcasting (no autodiff).
    @inlinable
    public static func broadcastMap<F: BinaryScalarFunction>(_ a: Tensor, _ b: Tensor, _: F.Type) -> Tensor {
        guard let outShape = Shape.broadcast(a.shape, b.shape) else {
            preconditionFailure("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let out = Tensor(uninitializedShape: outShape)
        let n = out.count
        let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
        if a.count == n && b.count == n {
            Parallel.forEachRange(n) { r in for i in r { po[i] = F.apply(pa[i], pb[i]) } }
        } else if b.count == 1 {
            let s = pb[0]
            Parallel.forEachRange(n) { r in for i in r { po[i] = F.apply(pa[i], s) } }
        } else if a.count == 1 {
            let s = pa[0]
            Parallel.forEachRange(n) { r in for i in r { po[i] = F.apply(s, pb[i]) } }
        } else {
            broadcastStrided(a, b, out, F.self)
        }
        return out
    }

    /// General broadcast: walks the output row by row (last axis contiguous in the output).
    @usableFromInline
    static func broadcastStrided<F: BinaryScalarFunction>(_ a: Tensor, _ b: Tensor, _ out: Tensor, _: F.Type) {
        let shape = out.shape
        let rank = shape.count
        let sa = Shape.broadcastStrides(a.shape, to: shape)
        let sb = Shape.broadcastStrides(b.shape, to: shape)
        let inner = shape[rank - 1]
        let ia = sa[rank - 1], ib = sb[rank - 1]
        let rows = out.count / Swift.max(inner, 1)
        let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
        Parallel.forEachRange(rows, costPerItem: inner) { r in
            for row in r {
                var rem = row, offA = 0, offB = 0
                for d in stride(from: rank - 2, through: 0, by: -1) {
                    let idx = rem % shape[d]
                    rem /= shape[d]
                    offA += idx * sa[d]
                    offB += idx * sb[d]
                }
                let o = po + row * inner
                if ia == 1 && ib == 1 {
                    for j in 0..<inner { o[j] = F.apply(pa[offA + j], pb[offB + j]) }
                } else if ia == 1 {
                    let s = pb[offB]
                    for j in 0..<inner { o[j] = F.apply(pa[offA + j], s) }
                } else if ib == 1 {
                    let s = pa[offA]
                    for j in 0..<inner { o[j] = F.apply(s, pb[offB + j]) }
                } else {
                    for j in 0..<inner { o[j] = F.apply(pa[offA + j * ia], pb[offB + j * ib]) }
                }
            }
        }
    }

    /// Sums a broadcast gradient back down to `shape`.
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
        return sum(axes: axes, keepDims: false).reshaped(target)
    }

    /// `self += other` without autodiff, reusing this tensor's storage when it is not shared.
    func addingInPlace(_ other: Tensor) -> Tensor {
        precondition(shape == other.shape, "in-place add of \(other.shape) into \(shape)")
        var result = self
        let pb = other.storage.pointer
        result.withUnsafeMutableBuffer { buf in
            let pa = buf.baseAddress!
            Parallel.forEachRange(count) { r in for i in r { pa[i] += pb[i] } }
        }
        return result
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, AddFunction.self)
        return record(out, inputs: [a, b]) { g in [g.sumToShape(a.shape), g.sumToShape(b.shape)] }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, SubFunction.self)
        return record(out, inputs: [a, b]) { g in [g.sumToShape(a.shape), b.requiresGrad ? (-g).sumToShape(b.shape) : nil] }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, MulFunction.self)
        return record(out, inputs: [a, b]) { g in
            [a.requiresGrad ? (g * b).sumToShape(a.shape) : nil,
             b.requiresGrad ? (g * a).sumToShape(b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, DivFunction.self)
        return record(out, inputs: [a, b]) { g in
            [a.requiresGrad ? (g / b).sumToShape(a.shape) : nil,
             b.requiresGrad ? (-(g * out) / b).sumToShape(b.shape) : nil]
        }
    }

    /// Elementwise maximum; the gradient goes to `a` where `a >= b`, else to `b` (ties to `a`).
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, MaxFunction.self)
        return record(out, inputs: [a, b]) { g in
            let takeA = Tensor.compare(a, b, >=)
            return [a.requiresGrad ? (g * takeA).sumToShape(a.shape) : nil,
                    b.requiresGrad ? (g * (1 - takeA)).sumToShape(b.shape) : nil]
        }
    }

    /// Elementwise minimum; the gradient goes to `a` where `a <= b`, else to `b`.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, MinFunction.self)
        return record(out, inputs: [a, b]) { g in
            let takeA = Tensor.compare(a, b, <=)
            return [a.requiresGrad ? (g * takeA).sumToShape(a.shape) : nil,
                    b.requiresGrad ? (g * (1 - takeA)).sumToShape(b.shape) : nil]
        }
    }

    public static prefix func - (a: Tensor) -> Tensor {
        let out = a.mapScalars { -$0 }
        return record(out, inputs: [a]) { g in [-g] }
    }

    public static func + (a: Tensor, s: Float) -> Tensor {
        let out = a.mapScalars { $0 + s }
        return record(out, inputs: [a]) { g in [g] }
    }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func - (s: Float, a: Tensor) -> Tensor {
        let out = a.mapScalars { s - $0 }
        return record(out, inputs: [a]) { g in [-g] }
    }
    public static func * (a: Tensor, s: Float) -> Tensor {
        let out = a.mapScalars { $0 * s }
        return record(out, inputs: [a]) { g in [g * s] }
    }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
    public static func / (s: Float, a: Tensor) -> Tensor {
        let out = a.mapScalars { s / $0 }
        return record(out, inputs: [a]) { g in [-(g * out) / a] }
    }

    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }

    /// 1 where `predicate(a, b)` holds, else 0 (broadcasting; no gradient).
    public static func compare(_ a: Tensor, _ b: Tensor, _ predicate: (Float, Float) -> Bool) -> Tensor {
        guard let outShape = Shape.broadcast(a.shape, b.shape) else {
            preconditionFailure("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let ea = a.shape == outShape ? a : a.expanded(to: outShape)
        let eb = b.shape == outShape ? b : b.expanded(to: outShape)
        let out = Tensor(uninitializedShape: outShape)
        let pa = ea.storage.pointer, pb = eb.storage.pointer, po = out.storage.pointer
        for i in 0..<out.count { po[i] = predicate(pa[i], pb[i]) ? 1 : 0 }
        return out
    }

    /// Applies a scalar function to every element (no autodiff); the building block of the unary ops.
    @inlinable
    public func mapScalars(_ f: (Float) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let pa = storage.pointer, po = out.storage.pointer
        withoutActuallyEscaping(f) { f in
            let fn = UncheckedSendable(f)
            Parallel.forEachRange(count) { r in for i in r { po[i] = fn.value(pa[i]) } }
        }
        return out
    }
}
