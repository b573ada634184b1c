import PRIMATensor

/// Max absolute error scaled by max(1, |reference|) per element: absolute for small values, relative
/// for large ones.
public func maxScaledError(_ actual: Tensor, _ expected: Tensor) -> Float {
    precondition(actual.shape == expected.shape, "shape \(actual.shape) vs expected \(expected.shape)")
    var worst: Float = 0
    for (a, b) in zip(actual.scalars, expected.scalars) {
        if a.isNaN != b.isNaN { return .infinity }
        if a == b { continue }
        worst = max(worst, abs(a - b) / max(1, abs(b)))
    }
    return worst
}

/// Normwise relative error `max|a - b| / max(max|b|, floor)`: the error relative to the tensor's own scale (absolute
/// below `floor`), the criterion for float32 results against a float64 reference, whose elements far below the
/// tensor's scale carry float32 rounding of the large ones.
public func maxNormwiseRelativeError(_ actual: Tensor, _ expected: Tensor, floor: Float = Tolerance.relativeFloor) -> Float {
    precondition(actual.shape == expected.shape, "shape \(actual.shape) vs expected \(expected.shape)")
    var worstDifference: Float = 0, scale: Float = 0
    for (a, b) in zip(actual.scalars, expected.scalars) {
        if a.isNaN != b.isNaN { return .infinity }
        worstDifference = max(worstDifference, abs(a - b))
        scale = max(scale, abs(b))
    }
    return worstDifference / max(scale, floor)
}

/// Max relative error `|a - b| / max(|b|, floor)`, the gradient criterion.
public func maxRelativeError(_ actual: Tensor, _ expected: Tensor, floor: Float = Tolerance.relativeFloor) -> Float {
    precondition(actual.shape == expected.shape, "shape \(actual.shape) vs expected \(expected.shape)")
    var worst: Float = 0
    for (a, b) in zip(actual.scalars, expected.scalars) {
        if a.isNaN != b.isNaN { return .infinity }
        if a == b { continue }
        worst = max(worst, abs(a - b) / max(abs(b), floor))
    }
    return worst
}

/// Gradient of the scalar `f` at `x` by central differences (float32, so use a coarse `step`).
public func finiteDifferenceGradient(of f: (Tensor) -> Tensor, at x: Tensor, step: Float = Tolerance.finiteDifferenceStep) -> Tensor {
    noGrad {
        var grad = [Float](repeating: 0, count: x.count)
        for i in 0..<x.count {
            var plus = x.detached(), minus = x.detached()
            plus.withUnsafeMutableBuffer { $0[i] += step }
            minus.withUnsafeMutableBuffer { $0[i] -= step }
            grad[i] = (f(plus).item - f(minus).item) / (2 * step)
        }
        return Tensor(shape: x.shape, scalars: grad)
    }
}

/// Autodiff gradient of the scalar `f` at `x`.
public func autodiffGradient(of f: (Tensor) -> Tensor, at x: Tensor) -> Tensor {
    let leaf = x.detached().requiringGrad()
    f(leaf).backward()
    return leaf.grad!
}

/// Fixed pseudo-random weights for reducing an output to a scalar loss: `sum(out * weights)`.
public func probeWeights(_ shape: [Int], seed: UInt64 = 7) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.randomNormal(shape, using: &rng)
}
