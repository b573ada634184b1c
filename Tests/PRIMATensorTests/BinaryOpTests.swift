import PRIMATensor
import PRIMATestSupport
import Testing

/// `+ - * /`, `maximum`, `minimum` and their tensor-scalar forms against PyTorch, in many broadcast patterns.
@Suite struct BinaryOpTests {
    static let file = CoreFixtures.load("core_binary")

    static func apply(_ op: String, _ a: Tensor, _ b: Tensor) -> Tensor {
        switch op {
        case "add": return a + b
        case "sub": return a - b
        case "mul": return a * b
        case "div": return a / b
        case "maximum": return Tensor.maximum(a, b)
        case "minimum": return Tensor.minimum(a, b)
        default: fatalError("unknown binary op \(op)")
        }
    }

    static func apply(_ op: String, _ a: Tensor, scalar s: Float) -> Tensor {
        switch op {
        case "add_scalar": return a + s
        case "scalar_add": return s + a
        case "sub_scalar": return a - s
        case "scalar_sub": return s - a
        case "mul_scalar": return a * s
        case "scalar_mul": return s * a
        case "div_scalar": return a / s
        case "scalar_div": return s / a
        case "neg": return -a
        default: fatalError("unknown scalar op \(op)")
        }
    }

    @Test func broadcastingOpsMatchPyTorch() {
        var worst = WorstErrors()
        let cases = Self.file.cases.filter { $0.params?["scalar"] == nil }
        #expect(cases.count >= 60)
        for c in cases {
            let op = c.param("op").string
            // Finite differences cannot see through the kink of max/min at exact ties.
            let smooth = c.params?["ties"] == nil
            worst.merge(CoreFixtures.check(c, finiteDifferences: smooth) { [Self.apply(op, $0["a"]!, $0["b"]!)] })
        }
        worst.report("binary")
    }

    @Test func scalarOpsMatchPyTorch() {
        var worst = WorstErrors()
        let cases = Self.file.cases.filter { $0.params?["scalar"] != nil }
        #expect(cases.count == 9)
        for c in cases {
            let op = c.param("op").string, s = c.param("scalar").float
            worst.merge(CoreFixtures.check(c) { [Self.apply(op, $0["a"]!, scalar: s)] })
        }
        worst.report("binary scalar")
    }

    @Test func compareBroadcastsWithoutGradient() {
        let a = Tensor(shape: [2, 3], scalars: [1, 5, 3, -1, 0, 7])
        let b = Tensor(shape: [2, 1], scalars: [3, 0]).requiringGrad()
        let ge = Tensor.compare(a, b, >=)
        #expect(ge.shape == [2, 3])
        #expect(ge.scalars == [0, 1, 1, 0, 1, 1])
        #expect(!ge.requiresGrad)
        let eqScalar = Tensor.compare(Tensor(3), a, ==)
        #expect(eqScalar.scalars == [0, 0, 1, 0, 0, 0])
    }

    @Test func compoundAssignmentRecordsOnTheTape() {
        let w = Tensor([1, 2, 3]).requiringGrad()
        var y = w * 2
        y += w
        y *= w
        y -= Tensor([1, 1, 1])
        y.sum().backward()
        // y = 3 w^2 - 1  ->  dy/dw = 6 w
        #expect(w.grad!.scalars == [6, 12, 18])
    }

    @Test func largeOperandsTakeTheParallelPathAndAgreeWithTheSerialDefinition() {
        var rng = RandomGenerator(seed: 3)
        let a = Tensor.randomNormal([300, 257], using: &rng)
        let row = Tensor.randomNormal([257], using: &rng)
        let col = Tensor.randomNormal([300, 1], using: &rng)
        let sum = a + row, prod = a * col, quotient = a / 4
        let pa = a.scalars, pr = row.scalars, pc = col.scalars
        var worst: Float = 0
        for i in 0..<300 {
            for j in 0..<257 {
                let x = pa[i * 257 + j]
                worst = Swift.max(worst, Swift.abs(sum[i, j] - (x + pr[j])))
                worst = Swift.max(worst, Swift.abs(prod[i, j] - x * pc[i]))
                worst = Swift.max(worst, Swift.abs(quotient[i, j] - x * 0.25))
            }
        }
        #expect(worst == 0)
    }

    /// A middle-axis broadcast split across cores: each worker starts its row odometer mid-tensor.
    @Test func largeMiddleAxisBroadcastAgreesWithIndexArithmetic() {
        var rng = RandomGenerator(seed: 13)
        let a = Tensor.randomNormal([4, 300, 70], using: &rng)
        let mid = Tensor.randomNormal([4, 1, 70], using: &rng)
        let lead = Tensor.randomNormal([300, 1], using: &rng)
        let diff = a - mid, maxed = Tensor.maximum(lead, a)
        let pa = a.scalars, pm = mid.scalars, pl = lead.scalars
        var mismatches = 0
        for i in 0..<4 {
            for j in 0..<300 {
                for k in 0..<70 {
                    let x = pa[(i * 300 + j) * 70 + k]
                    if diff[i, j, k] != x - pm[i * 70 + k] { mismatches += 1 }
                    if maxed[i, j, k] != Swift.max(pl[j], x) { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0)
    }
}
