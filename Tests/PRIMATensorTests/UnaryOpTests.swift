import Foundation
import Testing
import PRIMATensor
import PRIMATestSupport

/// The unary fixtures, parsed once (Scripts/reference/gen_neural.py).
let unaryFixtures = Result { try FixtureFile.load("unary", in: .module) }

/// Runs `op` on the case inputs `differentiable` (as gradient leaves), then checks the output against the
/// fixture and the gradients of `sum(out * probe)` against PyTorch's.
func expectMatchesReference(_ c: FixtureCase, differentiable names: [String], _ op: ([Tensor]) -> Tensor) {
    let leaves = names.map { c.input($0).requiringGrad() }
    let out = op(leaves)
    let expected = c.output()
    #expect(out.shape == expected.shape, "\(c.name): shape")
    guard out.shape == expected.shape else { return }
    #expect(maxScaledError(out, expected) < Tolerance.forward, "\(c.name): forward")
    (out * c.input("probe")).sum().backward()
    for (name, leaf) in zip(names, leaves) {
        guard c.grads?[name] != nil else { continue }
        #expect(maxRelativeError(leaf.grad!, c.grad(name)) < Tolerance.gradient, "\(c.name): gradient of \(name)")
    }
}

/// Autodiff against central differences of `sum(op(x) * probe)` at `x`.
func expectFiniteDifferencesAgree(at x: Tensor, _ op: @escaping (Tensor) -> Tensor, _ label: String) {
    let probe = probeWeights(noGrad { op(x) }.shape)
    let loss: (Tensor) -> Tensor = { (op($0) * probe).sum() }
    let analytic = autodiffGradient(of: loss, at: x)
    let numeric = finiteDifferenceGradient(of: loss, at: x)
    // Floor 0.1: float32 central differences carry an absolute error around 1e-3 on these losses.
    #expect(maxRelativeError(analytic, numeric, floor: 1e-1) < Tolerance.finiteDifference, "\(label): finite differences")
}

@Suite struct UnaryOpTests {
    static let activations: [String: @Sendable (Tensor) -> Tensor] = [
        "exp": { $0.exp() }, "tanh": { $0.tanh() }, "sigmoid": { $0.sigmoid() }, "relu": { $0.relu() },
        "silu": { $0.silu() }, "gelu": { $0.gelu() }, "gelu_tanh": { $0.gelu(approximate: .tanh) },
    ]

    @Test(arguments: ["exp", "tanh", "sigmoid", "relu", "silu", "gelu", "gelu_tanh"], ["normal", "rank3", "sweep"])
    func activationMatchesPyTorch(_ op: String, _ input: String) throws {
        let c = try unaryFixtures.get().named("\(op)_\(input)")
        let f = Self.activations[op]!
        expectMatchesReference(c, differentiable: ["x"]) { f($0[0]) }
    }

    @Test(arguments: ["relu_zero", "abs", "log", "sqrt", "rsqrt"])
    func elementaryOpMatchesPyTorch(_ name: String) throws {
        let c = try unaryFixtures.get().named(name)
        let op: (Tensor) -> Tensor = switch name {
        case "relu_zero": { $0.relu() }
        case "abs": { $0.abs() }
        case "log": { $0.log() }
        case "sqrt": { $0.sqrt() }
        default: { $0.rsqrt() }
        }
        expectMatchesReference(c, differentiable: ["x"]) { op($0[0]) }
    }

    @Test(arguments: ["pow_2.0", "pow_3.0", "pow_0.5", "pow_-1.5"])
    func powMatchesPyTorch(_ name: String) throws {
        let c = try unaryFixtures.get().named(name)
        let exponent = c.param("exponent").float
        expectMatchesReference(c, differentiable: ["x"]) { $0[0].pow(exponent) }
    }

    @Test func clampIncludingBoundaryValuesMatchesPyTorch() throws {
        let fixtures = try unaryFixtures.get()
        let both = fixtures.named("clamp")
        expectMatchesReference(both, differentiable: ["x"]) {
            $0[0].clamped(min: both.param("min").float, max: both.param("max").float)
        }
        let lower = fixtures.named("clamp_min")
        expectMatchesReference(lower, differentiable: ["x"]) { $0[0].clamped(min: lower.param("min").float) }
    }

    @Test func whereAndMaskedFillMatchPyTorch() throws {
        let fixtures = try unaryFixtures.get()
        let w = fixtures.named("where")
        expectMatchesReference(w, differentiable: ["a", "b"]) { Tensor.where(w.input("condition"), $0[0], $0[1]) }
        let m = fixtures.named("masked_fill")
        expectMatchesReference(m, differentiable: ["x"]) { $0[0].maskedFill(m.input("mask"), with: m.param("value").float) }
    }

    @Test(arguments: ["exp", "tanh", "sigmoid", "silu", "gelu", "gelu_tanh"])
    func activationGradientMatchesFiniteDifferences(_ op: String) {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.randomNormal([3, 5], std: 1.5, using: &rng)
        expectFiniteDifferencesAgree(at: x, Self.activations[op]!, op)
    }

    @Test func elementaryGradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 4)
        let positive = Tensor.randomUniform([3, 4], low: 0.5, high: 3, using: &rng)
        expectFiniteDifferencesAgree(at: positive, { $0.log() }, "log")
        expectFiniteDifferencesAgree(at: positive, { $0.sqrt() }, "sqrt")
        expectFiniteDifferencesAgree(at: positive, { $0.rsqrt() }, "rsqrt")
        expectFiniteDifferencesAgree(at: positive, { $0.pow(-1.5) }, "pow")
        // Away from the kinks at 0 and at the clamp bounds.
        let mixed = Tensor([-2.1, -0.7, 0.4, 1.3, 2.6, -1.6])
        expectFiniteDifferencesAgree(at: mixed, { $0.abs() }, "abs")
        expectFiniteDifferencesAgree(at: mixed, { $0.relu() }, "relu")
        expectFiniteDifferencesAgree(at: mixed, { $0.clamped(min: -1, max: 2) }, "clamp")
    }

    @Test func activationsKeepTheirLimitsAtInfinityAndPropagateNaN() {
        let x = Tensor([-.infinity, .infinity, .nan, -0.0])
        let sigmoid = x.sigmoid().scalars, tanh = x.tanh().scalars, exp = x.exp().scalars
        #expect(Array(sigmoid[0..<2]) == [0, 1] && sigmoid[2].isNaN)
        #expect(Array(tanh[0..<2]) == [-1, 1] && tanh[2].isNaN && tanh[3] == 0 && tanh[3].sign == .minus)
        #expect(Array(exp[0..<2]) == [0, .infinity] && exp[2].isNaN && exp[3] == 1)
        #expect(x.gelu().scalars[1] == .infinity && x.gelu().scalars[2].isNaN)
        #expect(x.silu().scalars[1] == .infinity)
        let relu = x.relu().scalars
        #expect(Array(relu[0..<2]) == [0, .infinity] && relu[2].isNaN)
    }
}
