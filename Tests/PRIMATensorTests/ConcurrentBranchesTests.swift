import PRIMATensor
import PRIMATestSupport
import Testing

/// `Tensor.concurrentBranches` and `Tensor.backward` over several roots: the same values and gradients as the
/// pieces run one after the other.
@Suite struct ConcurrentBranchesTests {
    /// One piece: a two-layer network over `x` with the shared weights, returning its output and a row sum.
    private static func piece(_ x: Tensor, _ w1: Tensor, _ w2: Tensor) -> [Tensor] {
        let h = Tensor.matmul(x, w1).gelu()
        let y = Tensor.matmul(h, w2)
        return [y, (y * y).sum(axis: 1)]
    }

    private static func loss(_ outputs: [[Tensor]]) -> Tensor {
        outputs.enumerated().map { b, o in o[0].sum() * Float(b + 1) + o[1].mean() }.reduce(Tensor(Float(0)), +)
    }

    @Test func valuesAndGradientsEqualThePiecesRunInTurn() throws {
        var rng = RandomGenerator(seed: 7)
        let inputs = (0..<2).map { _ in Tensor.randomNormal([24, 16], using: &rng).requiringGrad() }
        let w1 = Tensor.randomNormal([16, 32], std: 0.2, using: &rng).requiringGrad()
        let w2 = Tensor.randomNormal([32, 8], std: 0.2, using: &rng).requiringGrad()

        let inTurn = inputs.map { Self.piece($0, w1, w2) }
        Self.loss(inTurn).backward()
        let expected = (inputs + [w1, w2]).map { $0.grad! }
        for t in inputs + [w1, w2] { t.zeroGrad() }

        let sideBySide = try Tensor.concurrentBranches(2) { b in Self.piece(inputs[b], w1, w2) }
        for (a, e) in zip(sideBySide.joined(), inTurn.joined()) {
            #expect(a.shape == e.shape && a.scalars == e.scalars)
            #expect(a.requiresGrad)
        }
        Self.loss(sideBySide).backward()
        for (tensor, e) in zip(inputs + [w1, w2], expected) {
            #expect(maxScaledError(tensor.grad!, e) <= Tolerance.forward)
        }
    }

    @Test func sharedParametersGetTheSameGradientBitsEveryRun() throws {
        var rng = RandomGenerator(seed: 9)
        let inputs = (0..<4).map { _ in Tensor.randomNormal([40, 16], using: &rng) }
        let w1 = Tensor.randomNormal([16, 32], std: 0.2, using: &rng).requiringGrad()
        let w2 = Tensor.randomNormal([32, 8], std: 0.2, using: &rng).requiringGrad()
        var runs: [[Float]] = []
        for _ in 0..<6 {
            // w1 is used twice per branch: its sum has several terms whose order must not depend on timing.
            let outputs = try Tensor.concurrentBranches(4) { b in Self.piece(inputs[b], w1, w2) + Self.piece(inputs[b] * 0.5, w1, w2) }
            Self.loss(outputs).backward()
            runs.append(w1.grad!.scalars + w2.grad!.scalars)
            w1.zeroGrad()
            w2.zeroGrad()
        }
        #expect(runs.allSatisfy { $0 == runs[0] })
    }

    @Test func eachBranchRunsOnOneThreadAndUntrackedOutputsPassThrough() throws {
        let outputs = try Tensor.concurrentBranches(3) { b in
            [Tensor(repeating: Float(b), shape: [2]), Tensor(Parallel.threadCount > 1 && Parallel.isInsideParallelRegion ? 1 : 0)]
        }
        #expect(outputs.map { $0[0].scalars } == [[0, 0], [1, 1], [2, 2]])
        #expect(outputs.allSatisfy { !$0[0].requiresGrad })
        if Parallel.threadCount > 1 { #expect(outputs.allSatisfy { $0[1].item == 1 }) }
    }

    @Test func theCallersGradientModeHoldsInEveryBranch() throws {
        let w = Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
        let off = try noGrad { try Tensor.concurrentBranches(2) { _ in [w * 2] } }
        #expect(off.allSatisfy { !$0[0].requiresGrad })
        let on = try Tensor.concurrentBranches(2) { _ in [w * 2] }
        #expect(on.allSatisfy { $0[0].requiresGrad })
    }

    @Test func theLowestNumberedBranchErrorIsThrown() {
        struct Refused: Error, CustomStringConvertible { let branch: Int; var description: String { "branch \(branch) refused" } }
        #expect { try Tensor.concurrentBranches(3) { b in if b > 0 { throw Refused(branch: b) }; return [] } }
            throws: { "\($0)" == "branch 1 refused" }
    }

    @Test func backwardFromSeveralRootsEqualsTheSumOfTheirInnerProducts() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.randomNormal([5, 4], using: &rng).requiringGrad()
        let a = (x * x).sum(axis: 1), b = x.tanh()
        let seedA = Tensor.randomNormal([5], using: &rng), seedB = Tensor.randomNormal([5, 4], using: &rng)
        Tensor.backward([(a, seedA), (b, seedB)])
        let viaRoots = x.grad!
        x.zeroGrad()
        ((x * x).sum(axis: 1) * seedA).sum().backward()
        (x.tanh() * seedB).sum().backward()
        #expect(maxScaledError(viaRoots, x.grad!) <= Tolerance.forward)
    }
}
