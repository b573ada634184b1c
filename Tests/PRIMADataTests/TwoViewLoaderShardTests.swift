import Foundation
import PRIMATensor
import Testing
@testable import PRIMAData

/// Data-parallel epochs: each rank's batches are its slices of the single-process batches, augmentations included.
@Suite struct TwoViewLoaderShardTests {
    /// A transform that draws from its generator, so a slice taken with another stream would show.
    static let noisy: ImageTransform = { image, rng in image.tensor + Float(rng.nextInt(in: 0..<1000)) / 1000 }

    @Test func theRanksSlicesJoinedAreTheSingleProcessBatches() throws {
        let samples = TwoViewLoaderTests.samples(photoCounts: [1, 2, 3, 1, 2, 1, 1, 2, 3, 1, 1])
        let loader = TwoViewLoaderTests.loader(samples, batchSize: 5, transform: Self.noisy)   // batches 5, 5, 1 … 
        let whole = try TwoViewLoaderTests.collect(loader, epoch: 1)
        let ranks = 2
        let dropLast = TwoViewLoaderTests.loader(samples, batchSize: 5, dropLast: true, transform: Self.noisy)
        #expect(loader.smallestBatchSize == 1 && dropLast.smallestBatchSize == 5)
        let shards = try (0..<ranks).map { rank in
            var epoch = dropLast.epoch(1, rank: rank, of: ranks)
            var batches: [TwoViewBatch] = []
            while let batch = try epoch.next() { batches.append(batch) }
            return batches
        }
        #expect(shards.allSatisfy { $0.count == 2 })
        for (b, batch) in whole.prefix(2).enumerated() {
            let parts = shards.map { $0[b] }
            #expect(parts.map(\.sampleIndices.count) == [2, 3])
            #expect(parts.flatMap(\.sampleIndices) == batch.sampleIndices)
            #expect(Tensor.concat(parts.map(\.view1), axis: 0).scalars == batch.view1.scalars)
            #expect(Tensor.concat(parts.map(\.view2), axis: 0).scalars == batch.view2.scalars)
            #expect(parts.flatMap(\.texts) == batch.texts)
            #expect(Tensor.concat(parts.map(\.metadataVectors), axis: 0).scalars == batch.metadataVectors.scalars)
        }
    }
}
