import CPRIMAKernels
import Foundation

/// Elementwise unary ops and their gradients. The activations (exp, tanh, sigmoid, ReLU, SiLU, GELU) and
/// square roots run on the vectorised C kernels of ``VectorMath``; the rest on specialised Swift loops.
extension Tensor {
    /// `e^x`.
    public func exp() -> Tensor {
        let out = VectorMath.map(self, prima_exp_f32)
        return Tensor.record(out, inputs: [self]) { g in [g * out] }
    }

    /// Natural logarithm.
    public func log() -> Tensor {
        let out = mapElements(Logarithm())
        return Tensor.record(out, inputs: [self]) { g in [g / self] }
    }

    /// Square root.
    public func sqrt() -> Tensor {
        let out = VectorMath.map(self, prima_sqrt_f32)
        return Tensor.record(out, inputs: [self]) { g in [out.mapElements(SquareRootDerivative(), times: g)] }
    }

    /// `1 / sqrt(x)`.
    public func rsqrt() -> Tensor {
        let out = VectorMath.map(self, prima_rsqrt_f32)
        return Tensor.record(out, inputs: [self]) { g in [out.mapElements(ReciprocalSquareRootDerivative(), times: g)] }
    }

    /// Absolute value; the gradient at 0 is 0 (`sign(0)`, as in PyTorch).
    public func abs() -> Tensor {
        let out = mapElements(Magnitude())
        return Tensor.record(out, inputs: [self]) { g in [self.mapElements(Sign(), times: g)] }
    }

    /// `self ** exponent`.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 2 {
            let out = mapElements(Square())
            return Tensor.record(out, inputs: [self]) { g in [self.mapElements(Doubled(), times: g)] }
        }
        let out = mapElements(Power(exponent: exponent))
        return Tensor.record(out, inputs: [self]) { g in [self.mapElements(PowerDerivative(exponent: exponent), times: g)] }
    }

    /// Clamps to `[min, max]`; the gradient passes where the input is strictly inside the interval (as in
    /// PyTorch 2.x: an input equal to a bound gets no gradient).
    public func clamped(min lower: Float = -.infinity, max upper: Float = .infinity) -> Tensor {
        let out = mapElements(Clamp(lower: lower, upper: upper))
        return Tensor.record(out, inputs: [self]) { g in [self.mapElements(StrictlyInside(lower: lower, upper: upper), times: g)] }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        let out = VectorMath.map(self, prima_tanh_f32)
        return Tensor.record(out, inputs: [self]) { g in [VectorMath.map(self, g, prima_tanh_backward_f32)] }
    }

    /// `1 / (1 + e^-x)`.
    public func sigmoid() -> Tensor {
        let out = VectorMath.map(self, prima_sigmoid_f32)
        return Tensor.record(out, inputs: [self]) { g in [VectorMath.map(self, g, prima_sigmoid_backward_f32)] }
    }

    /// `max(x, 0)`; the gradient at 0 is 0, as in PyTorch.
    public func relu() -> Tensor {
        let out = VectorMath.map(self, prima_relu_f32)
        return Tensor.record(out, inputs: [self]) { g in [VectorMath.map(self, g, prima_relu_backward_f32)] }
    }

    /// SiLU (swish): `x * sigmoid(x)`.
    public func silu() -> Tensor {
        let out = VectorMath.map(self, prima_silu_f32)
        return Tensor.record(out, inputs: [self]) { g in [VectorMath.map(self, g, prima_silu_backward_f32)] }
    }

    /// GELU, exact (`x Φ(x)` with the erf form of the normal CDF) or with PyTorch's tanh approximation.
    public func gelu(approximate: GELUApproximation = .none) -> Tensor {
        let (forward, backward): (VectorMath.UnaryKernel, VectorMath.BinaryKernel) = switch approximate {
        case .none: (prima_gelu_f32, prima_gelu_backward_f32)
        case .tanh: (prima_gelu_tanh_f32, prima_gelu_tanh_backward_f32)
        }
        let out = VectorMath.map(self, forward)
        return Tensor.record(out, inputs: [self]) { g in [VectorMath.map(self, g, backward)] }
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
    /// `x Φ(x)` with the exact (erf) normal CDF.
    case none
    /// `x / 2 (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))`.
    case tanh
}

// MARK: Specialised elementwise loops

/// A scalar function for ``Tensor/mapElements(_:)``. A generic value rather than a closure, so that each op's
/// loop is specialised (no call per element) and can be vectorised.
protocol ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float
}

extension Tensor {
    /// `f` applied to every element, in parallel for large tensors.
    func mapElements<F: ElementwiseFunction>(_ f: F) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let px = storage.pointer, po = out.storage.pointer
        Parallel.forEachRange(count) { r in for i in r { po[i] = f(px[i]) } }
        return out
    }

    /// `g * f(self)` elementwise in one pass: a backward rule with the derivative `f`.
    func mapElements<F: ElementwiseFunction>(_ f: F, times g: Tensor) -> Tensor {
        precondition(g.shape == shape, "gradient \(g.shape) for shape \(shape)")
        let out = Tensor(uninitializedShape: shape)
        let px = storage.pointer, pg = g.storage.pointer, po = out.storage.pointer
        Parallel.forEachRange(count) { r in for i in r { po[i] = pg[i] * f(px[i]) } }
        return out
    }
}

private struct Logarithm: ElementwiseFunction { func callAsFunction(_ x: Float) -> Float { Foundation.log(x) } }
/// d sqrt(x) = 1 / (2 sqrt(x)), from the output.
private struct SquareRootDerivative: ElementwiseFunction { func callAsFunction(_ y: Float) -> Float { 0.5 / y } }
/// d x^(-1/2) = -x^(-3/2) / 2 = -y^3 / 2, from the output y.
private struct ReciprocalSquareRootDerivative: ElementwiseFunction {
    func callAsFunction(_ y: Float) -> Float { -0.5 * y * y * y }
}
private struct Magnitude: ElementwiseFunction { func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
private struct Sign: ElementwiseFunction { func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) } }

private struct Square: ElementwiseFunction { func callAsFunction(_ x: Float) -> Float { x * x } }
private struct Doubled: ElementwiseFunction { func callAsFunction(_ x: Float) -> Float { 2 * x } }

private struct Power: ElementwiseFunction {
    let exponent: Float
    func callAsFunction(_ x: Float) -> Float { Foundation.pow(x, exponent) }
}

private struct PowerDerivative: ElementwiseFunction {
    let exponent: Float
    func callAsFunction(_ x: Float) -> Float { exponent * Foundation.pow(x, exponent - 1) }
}

private struct Clamp: ElementwiseFunction {
    let lower: Float, upper: Float
    func callAsFunction(_ x: Float) -> Float { Swift.min(Swift.max(x, lower), upper) }
}

private struct StrictlyInside: ElementwiseFunction {
    let lower: Float, upper: Float
    func callAsFunction(_ x: Float) -> Float { x > lower && x < upper ? 1 : 0 }
}
