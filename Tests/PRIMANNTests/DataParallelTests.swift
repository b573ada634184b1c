import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing

/// The MPI-free side of data parallelism: batch slices and the one-process group. The multi-process behaviour is
/// checked under mpirun by Scripts/test-mpi.sh.
@Suite struct DataParallelTests {
    @Test func batchShardsAreDisjointContiguousAndCoverTheBatch() {
        for count in 1...9 {
            for size in 1...count {
                let ranges = (0..<size).map { BatchShard.range(count: count, rank: $0, size: size) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect(ranges.allSatisfy { !$0.isEmpty && $0.count >= count / size && $0.count <= count / size + 1 })
            }
        }
        #expect(BatchShard.range(count: 5, rank: 0, size: 2) == 0..<2 && BatchShard.range(count: 5, rank: 1, size: 2) == 2..<5)
    }

    @Test func aGroupOfOneLeavesValuesAndGradientsAsTheyAre() throws {
        let group = SingleProcessCommunicator()
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.randomNormal([3, 2], using: &rng).requiringGrad()
        let gathered = try group.allGather(x)
        #expect(gathered.scalars == x.scalars)
        let weights = Tensor.randomNormal([3, 2], using: &rng)
        (gathered * weights).sum().backward()
        #expect(x.grad?.scalars == weights.scalars)

        let p = Parameter(Tensor.randomNormal([4], using: &rng))
        (p.value * p.value).sum().backward()
        let before = p.grad!.scalars, values = p.value.scalars
        try group.averageGradients(of: [p])
        try group.broadcast([p])
        #expect(p.grad!.scalars == before && p.value.scalars == values)
        try group.checkSameSettings("anything", what: "settings")
        #expect(try group.allGather(Int64(7)) == [7])
    }

    @Test func aDeferredBackwardErrorIsThrownByTheNextCollective() throws {
        struct Lost: Error {}
        let group = SingleProcessCommunicator()
        group.deferredError = Lost()
        #expect(throws: Lost.self) { try group.averageGradients(of: []) }
        try group.averageGradients(of: [])   // thrown once, then cleared
    }
}
