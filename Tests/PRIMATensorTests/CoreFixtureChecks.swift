import PRIMATensor
import PRIMATestSupport
import Testing

/// Replays the `core_*` reference cases of `Scripts/reference/gen_core.py`: forward outputs against
/// PyTorch, gradients of `sum_i sum(out_i * probe_i)` against PyTorch and against central finite
/// differences.
enum CoreFixtures {
    /// Denominator floor for finite-difference comparisons: float32 differences of step 1e-2 carry an
    /// absolute error around 1e-4, so gradients near zero are compared absolutely.
    static let finiteDifferenceFloor: Float = 1e-1

    static func load(_ name: String) -> FixtureFile {
        do { return try FixtureFile.load(name, in: .module) } catch { fatalError("\(error)") }
    }

    /// Names of the case's differentiable inputs.
    static func differentiable(_ c: FixtureCase) -> [String] {
        guard case .list(let items) = c.param("diff") else { return [] }
        return items.map(\.string)
    }

    /// The scalar loss `sum_i sum(outs[i] * probe_i)` with the case's fixed probe weights.
    static func probeLoss(_ c: FixtureCase, _ outs: [Tensor]) -> Tensor {
        var loss: Tensor?
        for (i, out) in outs.enumerated() {
            let probe = c.input(outs.count == 1 && c.inputs["probe"] != nil ? "probe" : "probe\(i)")
            let term = (out * probe).sum()
            loss = loss.map { $0 + term } ?? term
        }
        return loss!
    }

    /// Checks one case: outputs within ``Tolerance/forward``, PyTorch gradients within
    /// ``Tolerance/gradient`` and, when `finiteDifferences` is set, autodiff against finite differences.
    /// `adjustInput` rewrites a stored input first (JSON cannot hold infinities).
    @discardableResult
    static func check(_ c: FixtureCase, finiteDifferences: Bool = true,
                      adjustInput: (String, Tensor) -> Tensor = { $1 },
                      sourceLocation: SourceLocation = #_sourceLocation,
                      _ op: ([String: Tensor]) -> [Tensor]) -> WorstErrors {
        var worst = WorstErrors()
        let diff = differentiable(c)
        var inputs: [String: Tensor] = [:]
        for (key, value) in c.inputs { 
            let tensor = adjustInput(key, value.tensor)
            inputs[key] = diff.contains(key) ? tensor.requiringGrad() : tensor
        }
        let outs = op(inputs)
        let expectedCount = c.param("outputs").int
        #expect(outs.count == expectedCount, "\(c.name): \(outs.count) outputs", sourceLocation: sourceLocation)
        guard outs.count == expectedCount else { return worst }
        for (i, out) in outs.enumerated() {
            let expected = c.output(expectedCount == 1 ? "out" : "out\(i)")
            #expect(out.shape == expected.shape, "\(c.name): shape \(out.shape) vs \(expected.shape)", sourceLocation: sourceLocation)
            guard out.shape == expected.shape else { return worst }
            let error = maxScaledError(out, expected)
            #expect(error <= Tolerance.forward, "\(c.name): forward error \(error)", sourceLocation: sourceLocation)
            worst.forward = Swift.max(worst.forward, error)
        }
        guard !diff.isEmpty else { return worst }
        probeLoss(c, outs).backward()
        for key in diff {
            let grad = inputs[key]!.grad ?? Tensor.zeros(inputs[key]!.shape)
            let error = maxRelativeError(grad, c.grad(key))
            #expect(error <= Tolerance.gradient, "\(c.name): gradient of \(key) error \(error)", sourceLocation: sourceLocation)
            worst.gradient = Swift.max(worst.gradient, error)
            guard finiteDifferences else { continue }
            let fd = finiteDifferenceGradient(of: { x in
                var shifted = inputs.mapValues { $0.detached() }
                shifted[key] = x
                return probeLoss(c, op(shifted))
            }, at: inputs[key]!.detached())
            let fdError = maxRelativeError(grad, fd, floor: finiteDifferenceFloor)
            #expect(fdError <= Tolerance.finiteDifference, "\(c.name): finite differences of \(key) error \(fdError)",
                    sourceLocation: sourceLocation)
            worst.finiteDifference = Swift.max(worst.finiteDifference, fdError)
        }
        return worst
    }

    /// Axes parameter: `nil` (JSON null) means all axes.
    static func axes(_ c: FixtureCase, _ key: String = "axes") -> [Int]? {
        let value = c.param(key)
        return value.isNull ? nil : value.ints
    }

}

/// Largest errors of a group of cases, printed by the suites for the record.
struct WorstErrors {
    var forward: Float = 0
    var gradient: Float = 0
    var finiteDifference: Float = 0

    mutating func merge(_ other: WorstErrors) {
        forward = Swift.max(forward, other.forward)
        gradient = Swift.max(gradient, other.gradient)
        finiteDifference = Swift.max(finiteDifference, other.finiteDifference)
    }

    func report(_ group: String) {
        print("\(group): max forward error \(forward), max gradient error \(gradient), max finite-difference error \(finiteDifference)")
    }
}
