import PRIMATensor

/// The errors of a bfloat16 frozen-weight run against the three references of `Scripts/reference/gen_bf16.py`
/// (fixture outputs and grads `exact`, `rounded`, `autocast`), normwise relative (`max|a − b| / max|b|`).
public struct BFloat16ModeErrors: CustomStringConvertible {
    /// Against the float64 model with the same bf16-rounded Linear weights (what the mode computes).
    public let outputVsRounded: Float, gradientVsRounded: Float
    /// Against the exact float64 model (the cost of bf16 weights).
    public let outputVsExact: Float, gradientVsExact: Float
    /// PyTorch's CPU bf16 autocast against the exact model, for comparison.
    public let autocastOutputVsExact: Float, autocastGradientVsExact: Float

    /// Compares `output` and `gradient` with the fixture case's three references.
    public init(output: Tensor, gradient: Tensor, fixture: FixtureCase) {
        func error(_ a: Tensor, _ b: Tensor) -> Float { maxNormwiseRelativeError(a, b) }
        outputVsRounded = error(output, fixture.output("rounded"))
        gradientVsRounded = error(gradient, fixture.grad("rounded"))
        outputVsExact = error(output, fixture.output("exact"))
        gradientVsExact = error(gradient, fixture.grad("exact"))
        autocastOutputVsExact = error(fixture.output("autocast"), fixture.output("exact"))
        autocastGradientVsExact = error(fixture.grad("autocast"), fixture.grad("exact"))
    }

    /// Within the model parity tolerances of the reference with the same bf16-rounded weights.
    public var matchesRoundedReference: Bool {
        outputVsRounded <= Tolerance.modelForward && gradientVsRounded <= Tolerance.modelGradient
    }

    /// Within the documented bound against the exact model (``Tolerance/bfloat16Weights``).
    public var withinBFloat16Bound: Bool {
        outputVsExact <= Tolerance.bfloat16Weights && gradientVsExact <= Tolerance.bfloat16Weights
    }

    /// No further from the exact model than PyTorch's bf16 autocast, output and gradient.
    public var noWorseThanAutocast: Bool {
        outputVsExact <= autocastOutputVsExact && gradientVsExact <= autocastGradientVsExact
    }

    /// The checks every bf16 model test asserts, by name, that do not hold: empty when the mode matches the
    /// rounded-weight reference, stays within the bf16 bound and is no worse than autocast.
    public var unmetChecks: [String] {
        [("matches the rounded-weight reference", matchesRoundedReference), ("within the bf16 bound", withinBFloat16Bound),
         ("no worse than PyTorch's bf16 autocast", noWorseThanAutocast)].filter { !$0.1 }.map(\.0)
    }

    /// One line with every error.
    public var description: String {
        "vs rounded-weight reference: output \(outputVsRounded), gradient \(gradientVsRounded); "
            + "vs exact: output \(outputVsExact), gradient \(gradientVsExact) "
            + "(PyTorch bf16 autocast vs exact: output \(autocastOutputVsExact), gradient \(autocastGradientVsExact))"
    }
}

extension FixtureValue {
    /// The strings of a list value.
    public var strings: [String] {
        if case .list(let items) = self { return items.map(\.string) }
        fatalError("not a list: \(self)")
    }
}
