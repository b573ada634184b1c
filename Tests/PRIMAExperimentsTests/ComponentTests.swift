import Foundation
import PRIMAData
@testable import PRIMAExperiments
import PRIMATensor
import PRIMATestSupport
import Testing

@Suite("Experiment components")
struct ComponentTests {
    @Test("the validation split is patient-disjoint, stratified, seeded, and sized by the fraction")
    func validationSplit() throws {
        let samples = TinyPADUFES.samples
        let (train, validation) = try ValidationSplit.split(samples, fraction: 0.25, seed: 9)
        #expect(Set(train).isDisjoint(with: validation))
        #expect(train.count + validation.count == samples.count)
        #expect(Set(train.map { samples[$0].patientID }).isDisjoint(with: validation.map { samples[$0].patientID }))
        let again = try ValidationSplit.split(samples, fraction: 0.25, seed: 9)
        #expect(again.train == train && again.validation == validation)
        let share = Double(validation.count) / Double(samples.count)
        #expect(share > 0.1 && share < 0.4)
        // The two largest classes are on both sides.
        for c in [0, 1] {
            #expect(train.contains { samples[$0].label == c } && validation.contains { samples[$0].label == c })
        }
        #expect(throws: ExperimentError.self) { try ValidationSplit.split(samples, fraction: 0.7, seed: 0) }
        #expect(throws: ExperimentError.self) { try ValidationSplit.split(Array(samples.prefix(1)), fraction: 0.5, seed: 0) }
    }

    @Test("balanced class weights are n / (K · n_c); absent classes weigh 0")
    func classWeights() {
        let counts = [10, 30, 0, 20]
        let balanced = ClassWeighting.balanced.weights(classCounts: counts)
        #expect(balanced == [Float(60.0 / 40), Float(60.0 / 120), 0, Float(60.0 / 80)])
        #expect(ClassWeighting.none.weights(classCounts: counts) == [1, 1, 1, 1])
        let root = ClassWeighting.sqrtBalanced.weights(classCounts: counts)
        for (r, b) in zip(root, balanced) { #expect(abs(r * r - b) < 1e-6) }
    }

    @Test("image statistics of a flat image: one histogram bin, zero spread, centre equals border")
    func imageStatistics() {
        let value: Float = 0.3
        let images = Tensor(repeating: value, shape: [2, 3, 8, 8])
        let f = ImageStatistics.features(of: images)
        #expect(f.shape == [2, ImageStatistics.featureCount])
        let row = Array(f.scalars.prefix(ImageStatistics.featureCount))
        for c in 0..<3 {
            let base = c * (3 + ImageStatistics.binCount)
            #expect(abs(row[base] - value) < 1e-6 && abs(row[base + 2] - value) < 1e-6)
            #expect(row[base + 1] < 1e-3)
            let bins = Array(row[(base + 3)..<(base + 3 + ImageStatistics.binCount)])
            #expect(abs(bins[Int(value * Float(ImageStatistics.binCount))] - 1) < 1e-5)
            #expect(abs(bins.reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test("resizing keeps a flat colour and the requested size")
    func resize() throws {
        let image = RGBImage(width: 13, height: 7, pixels: [UInt8](repeating: 51, count: 13 * 7 * 3))
        var rng = RandomGenerator(seed: 0)
        let out = try ImageStatistics.resizeTransform(side: 5, augment: true)(image, &rng)
        #expect(out.shape == [3, 5, 5])
        #expect(out.scalars.allSatisfy { abs($0 - 0.2) < 1e-6 })
    }

    @Test("metadata features leave out the label slots")
    func metadataFeaturesHaveNoLabel() throws {
        let samples = Array(TinyPADUFES.samples.prefix(4))
        let pipeline = BatchPipeline(schema: PADUFES.schema, trainTransform: ImageStatistics.resizeTransform(side: 8, augment: true),
                                     evaluationTransform: ImageStatistics.resizeTransform(side: 8, augment: false))
        var relabelled = samples.map {
            DatasetSample(id: $0.id, patientID: $0.patientID, imagePaths: $0.imagePaths, label: ($0.label + 1) % 6, metadata: $0.metadata)
        }
        var a = pipeline.loader(samples, batchSize: 4, training: false, seed: 0).epoch(0)
        var b = pipeline.loader(relabelled, batchSize: 4, training: false, seed: 0).epoch(0)
        let batchA = try #require(try a.next()), batchB = try #require(try b.next())
        #expect(batchA.metadataVectors.scalars != batchB.metadataVectors.scalars)
        #expect(batchA.metadataFeatures(classCount: 6).scalars == batchB.metadataFeatures(classCount: 6).scalars)
        #expect(batchA.metadataFeatures(classCount: 6).shape[1] == MetadataVectorEncoder(schema: PADUFES.schema).dimension - 6)
        relabelled.removeAll()
    }

    @Test("feature standardisation gives zero mean and unit SD on the fitted samples")
    func standardization() throws {
        let pipeline = BatchPipeline(schema: PADUFES.schema, trainTransform: ImageStatistics.resizeTransform(side: 8, augment: false),
                                     evaluationTransform: ImageStatistics.resizeTransform(side: 8, augment: false))
        let features: (TwoViewBatch) -> Tensor = { ImageStatistics.features(of: $0.view1) }
        let samples = TinyPADUFES.samples
        let fitted = try FeatureStandardization.fit(features, samples: samples, pipeline: pipeline, seed: 0)
        var batches = pipeline.loader(samples, batchSize: samples.count, training: false, seed: 0).epoch(0)
        let x = fitted(features(try #require(try batches.next())))
        let mean = x.mean(axes: [0]).scalars, sd = x.variance(axes: [0], correction: 0).scalars.map { $0.squareRoot() }
        #expect(mean.allSatisfy { abs($0) < 1e-4 })
        #expect(sd.allSatisfy { abs($0 - 1) < 1e-2 || $0 < 1e-4 })
    }

    @Test("durations read as people write them")
    func durations() {
        #expect(formatDuration(38) == "38s")
        #expect(formatDuration(252) == "4m12s")
        #expect(formatDuration(3780) == "1h03m")
    }

    @Test("the best epoch has the highest validation macro F1, ties going to the lower loss, then the earlier epoch")
    func bestEpoch() {
        func record(_ e: Int, _ f1: Double, _ loss: Double) -> EpochRecord {
            EpochRecord(epoch: e, trainLoss: 1, validationLoss: loss, validationMacroF1: f1, validationAccuracy: 0, validationBalancedAccuracy: 0)
        }
        #expect(EpochRecord.best(of: [record(0, 0.5, 1), record(1, 0.7, 2), record(2, 0.6, 0.1)])?.epoch == 1)
        #expect(EpochRecord.best(of: [record(0, 0.7, 1), record(1, 0.7, 0.5), record(2, 0.7, 0.5)])?.epoch == 1)
        #expect(EpochRecord.best(of: []) == nil)
    }
}

@Suite("Embedding cache")
struct EmbeddingCacheTests {
    @Test("each key is encoded once; rows come back in the order asked")
    func encodesOnce() throws {
        let cache = EmbeddingCache()
        var calls: [[String]] = []
        let encode = { (keys: [String]) -> Tensor in
            calls.append(keys)
            return Tensor(shape: [keys.count, 2], scalars: keys.flatMap { [Float($0.count), Float($0.utf8.first ?? 0)] })
        }
        let first = try cache.embeddings(for: ["ab", "c", "ab"], compute: encode)
        #expect(first.shape == [3, 2])
        #expect(first.scalars == [2, 97, 1, 99, 2, 97])
        let second = try cache.embeddings(for: ["c", "dddd"], compute: encode)
        #expect(second.scalars == [1, 99, 4, 100])
        #expect(calls == [["ab", "c"], ["dddd"]])
        #expect(cache.count == 3)
        _ = try cache.embeddings(for: ["ab"], compute: encode)
        #expect(calls.count == 2)
    }

    @Test("an encoder returning the wrong shape is reported")
    func wrongShape() throws {
        let cache = EmbeddingCache()
        _ = try cache.embeddings(for: ["a"]) { _ in Tensor.zeros([1, 3]) }
        #expect(throws: ExperimentError.self) { try cache.embeddings(for: ["b"]) { _ in Tensor.zeros([1, 4]) } }
        #expect(throws: ExperimentError.self) { try cache.embeddings(for: ["c", "d"]) { _ in Tensor.zeros([1, 3]) } }
    }
}
