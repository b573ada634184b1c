import PRIMATensor
import PRIMATestSupport
import Testing

/// indexSelect, embedding lookup (repeated ids add up in the gradient) and gather against PyTorch.
@Suite struct IndexingTests {
    static let file = CoreFixtures.load("core_indexing")

    @Test func indexingMatchesPyTorch() {
        var worst = WorstErrors()
        #expect(Self.file.cases.count == 7)
        for c in Self.file.cases {
            let op = c.param("op").string
            worst.merge(CoreFixtures.check(c) { inputs in
                switch op {
                case "embedding": return [inputs["w"]!.embeddingLookup(inputs["ids"]!)]
                case "indexSelect": return [inputs["x"]!.indexSelect(axis: c.param("axis").int, indices: inputs["idx"]!)]
                case "gather": return [inputs["x"]!.gather(axis: c.param("axis").int, indices: inputs["idx"]!)]
                default: fatalError("unknown indexing op \(op)")
                }
            })
        }
        worst.report("indexing")
    }

    @Test func largeEmbeddingLookupCopiesTheRightRows() {
        var rng = RandomGenerator(seed: 8)
        let table = Tensor.randomNormal([50, 96], using: &rng)
        let ids = Tensor(shape: [40, 13], scalars: (0..<520).map { Float(($0 * 7) % 50) })
        let out = table.embeddingLookup(ids)
        #expect(out.shape == [40, 13, 96])
        var mismatches = 0
        for i in 0..<40 {
            for j in 0..<13 {
                let row = ((i * 13 + j) * 7) % 50
                for d in 0..<96 where out[i, j, d] != table[row, d] { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    /// The scatter-add gradient split across cores by columns equals a serial accumulation.
    @Test func largeEmbeddingGradientAddsRepeatedRows() {
        var rng = RandomGenerator(seed: 10)
        let table = Tensor.randomNormal([20, 300], using: &rng).requiringGrad()
        let ids = Tensor(shape: [64, 5], scalars: (0..<320).map { Float(($0 * 3) % 20) })
        let probe = Tensor.randomNormal([64, 5, 300], using: &rng)
        (table.embeddingLookup(ids) * probe).sum().backward()
        var expected = [Double](repeating: 0, count: 20 * 300)
        let pp = probe.scalars
        for position in 0..<320 {
            let row = (position * 3) % 20
            for d in 0..<300 { expected[row * 300 + d] += Double(pp[position * 300 + d]) }
        }
        let grad = table.grad!.scalars
        var worst: Double = 0
        for i in 0..<expected.count { worst = Swift.max(worst, Swift.abs(Double(grad[i]) - expected[i])) }
        #expect(worst < 1e-4)
    }
}
