/// Elementwise binary ops with NumPy/PyTorch broadcasting. Gradients of broadcast inputs are summed back
/// to the input's shape.
extension Tensor {
    /// Applies `F` elementwise with broadcasting (no autodiff).
    @inlinable
    public static func broadcastMap<F: BinaryScalarFunction>(_ a: Tensor, _ b: Tensor, _: F.Type) -> Tensor {
        if a.shape == b.shape {
            let out = Tensor(uninitializedShape: a.shape)
            let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
            Parallel.forEachRange(out.count) { r in for i in r { po[i] = F.apply(pa[i], pb[i]) } }
            return out
        }
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
        } else if n > 0 {
            broadcastStrided(a, b, out, F.self)
        }
        return out
    }

    /// General broadcast: walks the merged output row by row; the innermost axis is contiguous in the
    /// output and has stride 0 or 1 in each operand.
    @inlinable
    static func broadcastStrided<F: BinaryScalarFunction>(_ a: Tensor, _ b: Tensor, _ out: Tensor, _: F.Type) {
        let layout = BroadcastLayout(a.shape, b.shape, result: out.shape)
        let inner = layout.inner
        let ia = layout.stridesA[layout.shape.count - 1], ib = layout.stridesB[layout.shape.count - 1]
        let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
        Parallel.forEachRange(out.count / inner, costPerItem: inner) { rows in
            layout.forEachRow(in: rows) { row, offA, offB in
                let o = po + row * inner, x = pa + offA, y = pb + offB
                if ia != 0 && ib != 0 {
                    for j in 0..<inner { o[j] = F.apply(x[j], y[j]) }
                } else if ia != 0 {
                    let s = y[0]
                    for j in 0..<inner { o[j] = F.apply(x[j], s) }
                } else {
                    let s = x[0]
                    for j in 0..<inner { o[j] = F.apply(s, y[j]) }
                }
            }
        }
    }

    /// Applies `F(element, scalar)` (or `F(scalar, element)` when `scalarFirst`) to every element.
    @inlinable
    static func scalarMap<F: BinaryScalarFunction>(_ a: Tensor, _ s: Float, scalarFirst: Bool, _: F.Type) -> Tensor {
        let out = Tensor(uninitializedShape: a.shape)
        let pa = a.storage.pointer, po = out.storage.pointer
        if scalarFirst {
            Parallel.forEachRange(out.count) { r in for i in r { po[i] = F.apply(s, pa[i]) } }
        } else {
            Parallel.forEachRange(out.count) { r in for i in r { po[i] = F.apply(pa[i], s) } }
        }
        return out
    }

    /// Sums a broadcast gradient back down to `target` (leading axes and axes of size 1 in `target`).
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
        return Tensor(storage: reduceAxes(axes, SumReduction.self).storage, shape: target)
    }

    /// `self += other` without autodiff, in this tensor's storage when no other tensor shares it.
    mutating func addInPlace(_ other: Tensor) {
        precondition(shape == other.shape, "in-place add of \(other.shape) into \(shape)")
        let pb = other.storage.pointer
        withUnsafeMutableBuffer { buf in
            let pa = buf.baseAddress!
            Parallel.forEachRange(buf.count) { r in for i in r { pa[i] += pb[i] } }
        }
    }

    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, AddFunction.self)
        guard needsRecording(a, b) else { return out }
        let shapeA = a.shape, shapeB = b.shape, needA = a.requiresGrad, needB = b.requiresGrad
        return recordBinary(out, a, b) { g in (needA ? g.sumToShape(shapeA) : nil, needB ? g.sumToShape(shapeB) : nil) }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, SubFunction.self)
        guard needsRecording(a, b) else { return out }
        let shapeA = a.shape, shapeB = b.shape, needA = a.requiresGrad, needB = b.requiresGrad
        return recordBinary(out, a, b) { g in (needA ? g.sumToShape(shapeA) : nil, needB ? (-g).sumToShape(shapeB) : nil) }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, MulFunction.self)
        guard needsRecording(a, b) else { return out }
        // Each factor is saved only when the other one needs its gradient.
        let savedA = b.requiresGrad ? a.detached() : nil, savedB = a.requiresGrad ? b.detached() : nil
        let shapeA = a.shape, shapeB = b.shape
        return recordBinary(out, a, b) { g in
            (savedB.map { (g * $0).sumToShape(shapeA) }, savedA.map { (g * $0).sumToShape(shapeB) })
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, DivFunction.self)
        guard needsRecording(a, b) else { return out }
        let savedB = b.detached(), savedOut = b.requiresGrad ? out : nil
        let shapeA = a.shape, shapeB = b.shape, needA = a.requiresGrad
        return recordBinary(out, a, b) { g in
            // d(a/b)/db = -(a/b)/b = -out/b.
            (needA ? (g / savedB).sumToShape(shapeA) : nil,
             savedOut.map { (-(g * $0) / savedB).sumToShape(shapeB) })
        }
    }

    /// Elementwise maximum (NaN if either is NaN). As in PyTorch, the gradient goes to the larger
    /// operand and is split in half on ties.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        extremum(a, b, MaxFunction.self, share: MaxGradientShareFunction.self)
    }

    /// Elementwise minimum (NaN if either is NaN); the gradient goes to the smaller operand, split in
    /// half on ties.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        extremum(a, b, MinFunction.self, share: MinGradientShareFunction.self)
    }

    private static func extremum<F: BinaryScalarFunction, S: BinaryScalarFunction>(
        _ a: Tensor, _ b: Tensor, _: F.Type, share: S.Type
    ) -> Tensor {
        let out = broadcastMap(a, b, F.self)
        guard needsRecording(a, b) else { return out }
        let savedA = a.detached(), savedB = b.detached(), needA = a.requiresGrad, needB = b.requiresGrad
        return recordBinary(out, a, b) { g in
            (needA ? (g * broadcastMap(savedA, savedB, S.self)).sumToShape(savedA.shape) : nil,
             needB ? (g * broadcastMap(savedB, savedA, S.self)).sumToShape(savedB.shape) : nil)
        }
    }

    /// Elementwise negation.
    public static prefix func - (a: Tensor) -> Tensor {
        let out = scalarMap(a, -1, scalarFirst: false, MulFunction.self)
        guard needsRecording(a) else { return out }
        return recordUnary(out, a) { g in -g }
    }

    /// Adds a scalar to every element.
    public static func + (a: Tensor, s: Float) -> Tensor {
        let out = scalarMap(a, s, scalarFirst: false, AddFunction.self)
        guard needsRecording(a) else { return out }
        return recordUnary(out, a) { g in g }
    }
    /// Adds a scalar to every element.
    public static func + (s: Float, a: Tensor) -> Tensor {
        let out = scalarMap(a, s, scalarFirst: true, AddFunction.self)
        guard needsRecording(a) else { return out }
        return recordUnary(out, a) { g in g }
    }
    /// Subtracts a scalar from every element.
    public static func - (a: Tensor, s: Float) -> Tensor {
        let out = scalarMap(a, s, scalarFirst: false, SubFunction.self)
        guard needsRecording(a) else { return out }
        return recordUnary(out, a) { g in g }
    }
    /// Subtracts every element from a scalar.
    public static func - (s: Float, a: Tensor) -> Tensor {
        let out = scalarMap(a, s, scalarFirst: true, SubFunction.self)
        guard needsRecording(a) else { return out }
        return recordUnary(out, a) { g in -g }
    }
    /// Multiplies every element by a scalar.
    public static func * (a: Tensor, s: Float) -> Tensor {
        let out = scalarMap(a, s, scalarFirst: false, MulFunction.self)
        guard needsRecording(a) else { return out }
        return recordUnary(out, a) { g in g * s }
    }
    /// Multiplies every element by a scalar.
    public static func * (s: Float, a: Tensor) -> Tensor {
        let out = scalarMap(a, s, scalarFirst: true, MulFunction.self)
        guard needsRecording(a) else { return out }
        return recordUnary(out, a) { g in g * s }
    }
    /// Divides every element by a scalar.
    public static func / (a: Tensor, s: Float) -> Tensor {
        let out = scalarMap(a, s, scalarFirst: false, DivFunction.self)
        guard needsRecording(a) else { return out }
        return recordUnary(out, a) { g in g / s }
    }
    /// Divides a scalar by every element.
    public static func / (s: Float, a: Tensor) -> Tensor {
        let out = scalarMap(a, s, scalarFirst: true, DivFunction.self)
        guard needsRecording(a) else { return out }
        let savedA = a.detached()
        // d(s/a)/da = -s/a^2 = -out/a.
        return recordUnary(out, a) { g in -(g * out) / savedA }
    }

    /// `a = a + b` (recorded like `+`).
    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    /// `a = a - b` (recorded like `-`).
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    /// `a = a * b` (recorded like `*`).
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }

    /// 1 where `predicate(a, b)` holds, else 0 (broadcasting; no gradient).
    @inlinable
    public static func compare(_ a: Tensor, _ b: Tensor, _ predicate: (Float, Float) -> Bool) -> Tensor {
        guard let outShape = a.shape == b.shape ? a.shape : Shape.broadcast(a.shape, b.shape) else {
            preconditionFailure("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let out = Tensor(uninitializedShape: outShape)
        guard out.count > 0 else { return out }
        let layout = BroadcastLayout(a.shape, b.shape, result: outShape)
        let inner = layout.inner
        let ia = layout.stridesA[layout.shape.count - 1], ib = layout.stridesB[layout.shape.count - 1]
        let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
        Parallel.forEachRange(out.count / inner, costPerItem: inner) { rows in
            layout.forEachRow(in: rows) { row, offA, offB in
                let o = po + row * inner, x = pa + offA, y = pb + offB
                for j in 0..<inner { o[j] = predicate(x[j * ia], y[j * ib]) ? 1 : 0 }
            }
        }
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
