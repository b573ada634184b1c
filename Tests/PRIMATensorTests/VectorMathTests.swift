import Foundation
import Testing
import PRIMATensor
import PRIMATestSupport

/// Dense sweeps (2^20 points each) of the vectorised approximations (Sources/CPRIMAKernels/vecmath.h) against
/// Foundation in double precision, and their special values. Maxima measured on AVX-512 (debug build):
/// exp 8.1e-8 relative, tanh 1.4e-7 relative, sigmoid 1.5e-7 relative, erf 7.7e-8 absolute (1.6e-7 relative),
/// GELU 1.2e-7 (exact) and 1.3e-7 (tanh form), SiLU 1.2e-7 scaled by max(1, |f|); derivatives 0.5e-7 (sigmoid)
/// to 2.1e-7 (tanh, SiLU). The SSE2 and AVX2 clones measure the same to two digits.
@Suite struct VectorMathTests {
    /// `count` evenly spaced floats in `[low, high]`.
    static func sweep(_ low: Double, _ high: Double, count: Int = 1 << 20) -> [Float] {
        (0..<count).map { Float(low + (high - low) * Double($0) / Double(count - 1)) }
    }

    /// Applies a raw single-threaded kernel to `xs`.
    static func apply(_ xs: [Float], _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> [Float] {
        var ys = [Float](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { x in
            ys.withUnsafeMutableBufferPointer { y in kernel(x.baseAddress!, y.baseAddress!, xs.count) }
        }
        return ys
    }

    /// Largest `|approx - exact| / max(|exact|, floor)` over the sweep: floor 0 gives the relative error,
    /// floor 1 the error scaled by max(1, |exact|).
    static func maxError(_ xs: [Float], _ approx: [Float], floor: Double, _ exact: (Double) -> Double) -> Double {
        var worst = 0.0
        for (x, y) in zip(xs, approx) {
            let reference = exact(Double(x))
            worst = Swift.max(worst, Swift.abs(Double(y) - reference) / Swift.max(Swift.abs(reference), floor))
        }
        return worst
    }

    static func exp(_ xs: [Float]) -> [Float] { apply(xs) { VectorMath.exp($0, $1, count: $2) } }

    @Test func expRelativeErrorOverTheNormalRangeIsBelow3eMinus7() {
        let xs = Self.sweep(-87.3, 88.72)
        #expect(Self.maxError(xs, Self.exp(xs), floor: 0) { Foundation.exp($0) } < Tolerance.vectorMath)
    }

    @Test func expUnderflowsGraduallyThroughTheSubnormals() {
        let xs = Self.sweep(-104, -87.3, count: 1 << 16)
        let ys = Self.exp(xs)
        // Within one subnormal spacing of the double result, and 0 only where that rounds to 0.
        let spacing = Double(Float.leastNonzeroMagnitude)
        #expect(zip(xs, ys).allSatisfy { Swift.abs(Double($1) - Foundation.exp(Double($0))) <= spacing })
        #expect(ys.contains { $0 > 0 && !$0.isNormal })
    }

    @Test func expSpecialValues() {
        let ys = Self.exp([-.infinity, .infinity, .nan, 0, -0.0, 88.72, 88.73, 200, -200, -103.9])
        #expect(ys[0] == 0 && ys[1] == .infinity && ys[2].isNaN && ys[3] == 1 && ys[4] == 1)
        #expect(ys[5].isFinite && ys[5] > 3.3e38)
        #expect(ys[6] == .infinity && ys[7] == .infinity && ys[8] == 0 && ys[9] > 0)
    }

    @Test func tanhRelativeErrorIsBelow3eMinus7() {
        let xs = Self.sweep(-12, 12)
        let ys = Self.apply(xs) { VectorMath.tanh($0, $1, count: $2) }
        #expect(Self.maxError(xs, ys, floor: 0) { Foundation.tanh($0) } < Tolerance.vectorMath)
        let special = Self.apply([-.infinity, .infinity, .nan, -0.0, 1e-30]) { VectorMath.tanh($0, $1, count: $2) }
        #expect(special[0] == -1 && special[1] == 1 && special[2].isNaN)
        #expect(special[3] == 0 && special[3].sign == .minus && special[4] == 1e-30)
    }

    @Test func erfAbsoluteErrorIsBelow3eMinus7() {
        let xs = Self.sweep(-6, 6)
        let ys = Self.apply(xs) { VectorMath.erf($0, $1, count: $2) }
        #expect(Self.maxError(xs, ys, floor: 1) { Foundation.erf($0) } < Tolerance.vectorMath)
        let special = Self.apply([-.infinity, .infinity, .nan, -0.0, 30]) { VectorMath.erf($0, $1, count: $2) }
        #expect(special[0] == -1 && special[1] == 1 && special[2].isNaN)
        #expect(special[3] == 0 && special[3].sign == .minus && special[4] == 1)
    }

    @Test func sigmoidRelativeErrorIsBelow3eMinus7() {
        let xs = Self.sweep(-80, 30)
        #expect(Self.maxError(xs, Tensor(xs).sigmoid().scalars, floor: 0) { 1 / (1 + Foundation.exp(-$0)) } < Tolerance.vectorMath)
    }

    @Test func geluAndSiluScaledErrorsAreBelow3eMinus7() {
        let xs = Self.sweep(-12, 12)
        let exact = Self.maxError(xs, Tensor(xs).gelu().scalars, floor: 1) { 0.5 * $0 * Foundation.erfc(-$0 / 2.0.squareRoot()) }
        let tanhForm = Self.maxError(xs, Tensor(xs).gelu(approximate: .tanh).scalars, floor: 1) { x in
            0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
        }
        let silu = Self.maxError(xs, Tensor(xs).silu().scalars, floor: 1) { $0 / (1 + Foundation.exp(-$0)) }
        #expect(exact < Tolerance.vectorMath)
        #expect(tanhForm < Tolerance.vectorMath)
        #expect(silu < Tolerance.vectorMath)
    }

    /// The backward kernels against the derivatives in double precision.
    @Test func activationDerivativesMatchDoublePrecision() {
        let xs = Self.sweep(-12, 12, count: 1 << 16)
        let x = Tensor(xs)
        func derivative(_ f: (Tensor) -> Tensor) -> [Float] { autodiffGradient(of: { f($0).sum() }, at: x).scalars }
        let sqrt2pi = (2 * Double.pi).squareRoot()
        let checks: [(String, [Float], (Double) -> Double)] = [
            ("tanh", derivative { $0.tanh() }, { 1 - Foundation.tanh($0) * Foundation.tanh($0) }),
            ("sigmoid", derivative { $0.sigmoid() }, { let s = 1 / (1 + Foundation.exp(-$0)); return s * (1 - s) }),
            ("silu", derivative { $0.silu() }, { let s = 1 / (1 + Foundation.exp(-$0)); return s * (1 + $0 * (1 - s)) }),
            ("gelu", derivative { $0.gelu() }, { 0.5 * Foundation.erfc(-$0 / 2.0.squareRoot()) + $0 * Foundation.exp(-0.5 * $0 * $0) / sqrt2pi }),
            ("gelu_tanh", derivative { $0.gelu(approximate: .tanh) }, { x in
                let k = (2 / Double.pi).squareRoot(), t = Foundation.tanh(k * (x + 0.044715 * x * x * x))
                return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
            }),
        ]
        for (name, values, exact) in checks {
            #expect(Self.maxError(xs, values, floor: 1, exact) < Tolerance.vectorMath, "\(name)'")
        }
    }
}
