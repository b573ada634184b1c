import Foundation

/// Elementwise unary ops and their gradients.
extension Tensor {
    public func exp() -> Tensor {
        let out = mapScalars { Foundation.exp($0) }
        return Tensor.record(out, inputs: [self]) { g in [g * out] }
    }

    public func log() -> Tensor {
        let out = mapScalars { Foundation.log($0) }
        return Tensor.record(out, inputs: [self]) { g in [g / self] }
    }

    public func sqrt() -> Tensor {
        let out = mapScalars { $0.squareRoot() }
        return Tensor.record(out, inputs: [self]) { g in [g * 0.5 / out] }
    }

    public func rsqrt() -> Tensor {
        let out = mapScalars { 1 / $0.squareRoot() }
        // d/dx x^(-1/2) = -1/2 x^(-3/2) = -1/2 out^3
        return Tensor.record(out, inputs: [self]) { g in [g * out * out * out * -0.5] }
    }

    public func abs() -> Tensor {
        let out = mapScalars { Swift.abs($0) }
        return Tensor.record(out, inputs: [self]) { g in [g * self.mapScalars { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }] }
    }

    /// `self ** exponent`.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 2 {
            let out = mapScalars { $0 * $0 }
            return Tensor.record(out, inputs: [self]) { g in [g * self * 2] }
        }
        let out = mapScalars { Foundation.pow($0, exponent) }
        return Tensor.record(out, inputs: [self]) { g in
            [g * self.mapScalars { Foundation.pow($0, exponent - 1) } * exponent]
        }
    }

    /// Clamps to `[min, max]`; the gradient passes where the input is inside the interval (as in PyTorch,
    /// boundary values included).
    public func clamped(min lower: Float = -.infinity, max upper: Float = .infinity) -> Tensor {
        let out = mapScalars { Swift.min(Swift.max($0, lower), upper) }
        return Tensor.record(out, inputs: [self]) { g in
            [g * self.mapScalars { $0 >= lower && $0 <= upper ? 1 : 0 }]
        }
    }

    public func tanh() -> Tensor {
        let out = mapScalars { Foundation.tanh($0) }
        return Tensor.record(out, inputs: [self]) { g in [g * out.mapScalars { 1 - $0 * $0 }] }
    }

    public func sigmoid() -> Tensor {
        let out = mapScalars { 1 / (1 + Foundation.exp(-$0)) }
        return Tensor.record(out, inputs: [self]) { g in [g * out.mapScalars { $0 * (1 - $0) }] }
    }

    public func relu() -> Tensor {
        let out = mapScalars { Swift.max($0, 0) }
        return Tensor.record(out, inputs: [self]) { g in [g * self.mapScalars { $0 > 0 ? 1 : 0 }] }
    }

    /// SiLU (swish): `x * sigmoid(x)`.
    public func silu() -> Tensor {
        let out = mapScalars { $0 / (1 + Foundation.exp(-$0)) }
        return Tensor.record(out, inputs: [self]) { g in
            [g * self.mapScalars { x in let s = 1 / (1 + Foundation.exp(-x)); return s * (1 + x * (1 - s)) }]
        }
    }

    /// GELU, exact (erf) or with PyTorch's tanh approximation.
    public func gelu(approximate: GELUApproximation = .none) -> Tensor {
        switch approximate {
        case .none:
            let out = mapScalars { 0.5 * $0 * (1 + Foundation.erf($0 * 0.70710678118654752)) }
            return Tensor.record(out, inputs: [self]) { g in
                [g * self.mapScalars { x in
                    0.5 * (1 + Foundation.erf(x * 0.70710678118654752)) + x * 0.39894228040143268 * Foundation.exp(-0.5 * x * x)
                }]
            }
        case .tanh:
            let k: Float = 0.79788456080286536, c: Float = 0.044715
            let out = mapScalars { x in 0.5 * x * (1 + Foundation.tanh(k * (x + c * x * x * x))) }
            return Tensor.record(out, inputs: [self]) { g in
                [g * self.mapScalars { x in
                    let t = Foundation.tanh(k * (x + c * x * x * x))
                    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x)
                }]
            }
        }
    }

    /// `condition ? self : other` elementwise (condition is 1/0 valued; broadcasting).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        // a * c + b * (1 - c) would turn inf/NaN in the unused branch into NaN; select instead.
        guard let s1 = Shape.broadcast(condition.shape, a.shape), let outShape = Shape.broadcast(s1, b.shape) else {
            preconditionFailure("where: shapes \(condition.shape), \(a.shape), \(b.shape) do not broadcast")
        }
        let c = condition.expanded(to: outShape).detached()
        let ea = a.detached().expanded(to: outShape), eb = b.detached().expanded(to: outShape)
        let out = Tensor(uninitializedShape: outShape)
        let pc = c.storage.pointer, pa = ea.storage.pointer, pb = eb.storage.pointer, po = out.storage.pointer
        for i in 0..<out.count { po[i] = pc[i] != 0 ? pa[i] : pb[i] }
        return record(out, inputs: [a, b]) { g in
            let zero = Tensor.zeros(outShape)
            return [a.requiresGrad ? Tensor.where(c, g, zero).sumToShape(a.shape) : nil,
                    b.requiresGrad ? Tensor.where(c, zero, g).sumToShape(b.shape) : nil]
        }
    }

    /// Replaces elements where `mask` is non-zero by `value` (broadcasting `mask`); no gradient flows to
    /// the replaced elements.
    public func maskedFill(_ mask: Tensor, with value: Float) -> Tensor {
        Tensor.where(mask, Tensor(value), self)
    }
}

/// The two GELU forms of PyTorch (`approximate="none"` and `"tanh"`).
public enum GELUApproximation: String, Sendable, Codable {
    case none
    case tanh
}
