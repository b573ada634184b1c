import Foundation
import PRIMATensor
import Testing
@testable import PRIMAData

/// Thread-safe record of what the transforms saw.
private final class Probe: @unchecked Sendable {
    private let lock = NSLock()
    private var calls = 0
    private var threads: [pthread_t] = []

    func record() {
        lock.lock()
        calls += 1
        threads.append(pthread_self())
        lock.unlock()
    }

    var callCount: Int { lock.lock(); defer { lock.unlock() }; return calls }
    func ranOn(_ thread: pthread_t) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return threads.contains { pthread_equal($0, thread) != 0 }
    }
}

@Suite struct TwoViewLoaderTests {
    /// Samples whose photos are virtual: photo `k` of the whole list decodes to a 4×4 image filled with byte k.
    static func samples(photoCounts: [Int]) -> [DatasetSample] {
        var next = 0
        return photoCounts.enumerated().map { i, count in
            defer { next += count }
            return DatasetSample(id: "S\(i)", patientID: "P\(i)",
                                 imagePaths: (next..<(next + count)).map { URL(fileURLWithPath: "/virtual/\($0).png") },
                                 label: i % 6, metadata: ["age": .number(Double(20 + i)), "smoke": .bool(i % 2 == 0)])
        }
    }

    static let decodeVirtual: @Sendable (URL) throws -> RGBImage = { url in
        let k = Int(url.deletingPathExtension().lastPathComponent)!
        return RGBImage(width: 4, height: 4, pixels: [UInt8](repeating: UInt8(k), count: 48))
    }

    static func loader(_ samples: [DatasetSample], batchSize: Int = 4, seed: UInt64 = 1, shuffle: Bool = true, dropLast: Bool = false,
                       depth: Int = 2, transform: @escaping ImageTransform = { image, _ in image.tensor }) -> TwoViewLoader {
        TwoViewLoader(samples: samples, transform: transform, renderer: MetadataTextRenderer(schema: PADUFES.schema),
                      encoder: MetadataVectorEncoder(schema: PADUFES.schema),
                      configuration: .init(batchSize: batchSize, shuffle: shuffle, seed: seed, dropLast: dropLast, prefetchDepth: depth,
                                           workerCount: 2),
                      decode: decodeVirtual)
    }

    static func collect(_ loader: TwoViewLoader, epoch: Int = 0) throws -> [TwoViewBatch] {
        var e = loader.epoch(epoch)
        var out: [TwoViewBatch] = []
        while let b = try e.next() { out.append(b) }
        return out
    }

    /// The photo index a view shows (its constant pixel value).
    static func photo(_ views: Tensor, _ i: Int) -> Int { Int((views[i, 0, 0, 0] * 255).rounded()) }

    @Test func batchesCarryViewsTextVectorAndLabel() throws {
        let s = Self.samples(photoCounts: [1, 2, 3, 1, 2, 1, 1, 2, 1, 1])
        let loader = Self.loader(s)
        let batches = try Self.collect(loader)
        #expect(batches.map(\.count) == [4, 4, 2] && loader.batchCount == 3)
        #expect(batches.flatMap(\.sampleIndices).sorted() == Array(0..<10))
        let renderer = MetadataTextRenderer(schema: PADUFES.schema), encoder = MetadataVectorEncoder(schema: PADUFES.schema)
        for b in batches {
            #expect(b.view1.shape == [b.count, 3, 4, 4] && b.view2.shape == [b.count, 3, 4, 4])
            #expect(b.texts == b.sampleIndices.map { renderer.render(s[$0].metadata) })
            #expect(b.metadataVectors.scalars == b.sampleIndices.flatMap { encoder.encode(s[$0].metadata, label: s[$0].label) })
            #expect(b.labels.scalars == b.sampleIndices.map { Float(s[$0].label) })
            for (i, index) in b.sampleIndices.enumerated() {
                let own = Set(s[index].imagePaths.map { Int($0.deletingPathExtension().lastPathComponent)! })
                let a = Self.photo(b.view1, i), c = Self.photo(b.view2, i)
                #expect(own.contains(a) && own.contains(c))
                // Two distinct photos whenever the sample has them, else the same one twice.
                #expect((a != c) == (own.count > 1))
            }
        }
    }

    @Test func eachViewHasItsOwnAugmentation() throws {
        let s = Self.samples(photoCounts: [1, 1, 1])
        let noisy: ImageTransform = { image, rng in image.tensor + Tensor.randomUniform([3, 4, 4], using: &rng) }
        let b = try Self.collect(Self.loader(s, transform: noisy))[0]
        #expect(b.view1.scalars != b.view2.scalars)
    }

    @Test func deterministicBySeedAndEpoch() throws {
        let s = Self.samples(photoCounts: Array(repeating: 2, count: 12))
        let noisy: ImageTransform = { image, rng in image.tensor * Tensor.randomUniform([3, 4, 4], using: &rng) }
        let a = try Self.collect(Self.loader(s, seed: 9, transform: noisy))
        let b = try Self.collect(Self.loader(s, seed: 9, transform: noisy))
        #expect(a.map(\.sampleIndices) == b.map(\.sampleIndices))
        #expect(a.map(\.view1.scalars) == b.map(\.view1.scalars) && a.map(\.view2.scalars) == b.map(\.view2.scalars))
        let nextEpoch = try Self.collect(Self.loader(s, seed: 9, transform: noisy), epoch: 1)
        let otherSeed = try Self.collect(Self.loader(s, seed: 10, transform: noisy))
        #expect(nextEpoch.map(\.sampleIndices) != a.map(\.sampleIndices))
        #expect(otherSeed.map(\.sampleIndices) != a.map(\.sampleIndices))
        let ordered = try Self.collect(Self.loader(s, shuffle: false, dropLast: true))
        #expect(ordered.flatMap(\.sampleIndices) == Array(0..<12))
        #expect(try Self.collect(Self.loader(Array(s.prefix(10)), dropLast: true)).map(\.count) == [4, 4])
    }

    @Test func workRunsOnBackgroundThreadsWithinThePrefetchBound() throws {
        let s = Self.samples(photoCounts: Array(repeating: 1, count: 40))
        let probe = Probe()
        let depth = 2, batchSize = 4
        let loader = Self.loader(s, batchSize: batchSize, depth: depth) { image, _ in probe.record(); return image.tensor }
        var epoch = loader.epoch(0)
        var taken = 0
        while let _ = try epoch.next() {
            taken += 1
            // Never more than `depth` batches ahead of the consumer: two views per sample.
            #expect(probe.callCount <= (taken + depth) * batchSize * 2)
        }
        #expect(taken == 10 && probe.callCount == 80)
        #expect(!probe.ranOn(pthread_self()))
    }

    @Test func errorsReachTheConsumerAtTheirBatch() throws {
        let s = Self.samples(photoCounts: [1, 1, 1, 1, 1, 1])
        let failing: ImageTransform = { image, _ in
            if image.pixels[0] == 5 { throw DataError(.badValue, file: "5.png", "cannot decode") }
            return image.tensor
        }
        var epoch = Self.loader(s, batchSize: 2, shuffle: false, transform: failing).epoch(0)
        #expect(try epoch.next()?.sampleIndices == [0, 1])
        #expect(try epoch.next()?.sampleIndices == [2, 3])
        let error = #expect(throws: DataError.self) { try epoch.next() }
        #expect(error?.file == "5.png")
    }

    @Test func viewsOfDifferentSizesAreRejectedByName() throws {
        let s = Self.samples(photoCounts: [1, 1])
        let uneven: ImageTransform = { image, _ in image.pixels[0] == 0 ? image.tensor : Tensor.zeros([3, 2, 2]) }
        var epoch = Self.loader(s, shuffle: false, transform: uneven).epoch(0)
        let error = #expect(throws: DataError.self) { try epoch.next() }
        #expect(error?.message.contains("sample 'S1'") == true)
    }

    @Test func droppingAnEpochEarlyStopsCleanly() throws {
        let s = Self.samples(photoCounts: Array(repeating: 1, count: 30))
        for _ in 0..<3 {
            var epoch = Self.loader(s, batchSize: 2, depth: 3).epoch(0)
            #expect(try epoch.next() != nil)
        }
    }

    @Test func loadsGeneratedPNGs() throws {
        let dir = TemporaryDirectory()
        try SyntheticPADUFES.write(to: dir.url, .init(imageCount: 20, seed: 3, imageSides: 12...20))
        let lesions = try PADUFESDataset(root: dir.url).lesionSamples()
        let crop: ImageTransform = { image, rng in
            let x = rng.nextInt(in: 0..<(image.width - 8 + 1)), y = rng.nextInt(in: 0..<(image.height - 8 + 1))
            return image.tensor.narrowed(axis: 1, start: y, length: 8).narrowed(axis: 2, start: x, length: 8)
        }
        let loader = TwoViewLoader(samples: lesions, transform: crop, renderer: MetadataTextRenderer(schema: PADUFES.schema),
                                   encoder: MetadataVectorEncoder(schema: PADUFES.schema), configuration: .init(batchSize: 8, seed: 2))
        let batches = try Self.collect(loader)
        #expect(batches.reduce(0) { $0 + $1.count } == lesions.count)
        #expect(batches.allSatisfy { $0.view1.shape == [$0.count, 3, 8, 8] && $0.view1.scalars.allSatisfy { (0...1).contains($0) } })
        withExtendedLifetime(dir) {}
    }

    @Test func oneViewGivesTheSameFirstViewAndSkipsTheSecondPhoto() throws {
        let samples = Self.samples(photoCounts: [1, 3, 2, 1, 4, 2])
        // A random transform, so that a second view would differ and every transform call is counted.
        let probe = Probe()
        let transform: ImageTransform = { image, rng in
            probe.record()
            return image.tensor + Tensor(shape: [1, 1, 1], scalars: [Float(rng.nextDouble())])
        }
        func make(views: Int) -> TwoViewLoader {
            TwoViewLoader(samples: samples, transform: transform, renderer: MetadataTextRenderer(schema: PADUFES.schema),
                          encoder: MetadataVectorEncoder(schema: PADUFES.schema),
                          configuration: .init(batchSize: 4, seed: 5, workerCount: 2, viewCount: views), decode: Self.decodeVirtual)
        }
        let two = try Self.collect(make(views: 2), epoch: 3)
        let callsForTwo = probe.callCount
        let one = try Self.collect(make(views: 1), epoch: 3)
        #expect(callsForTwo == 2 * samples.count && probe.callCount - callsForTwo == samples.count)
        #expect(two.count == one.count)
        for (a, b) in zip(two, one) {
            #expect(a.sampleIndices == b.sampleIndices && a.texts == b.texts)
            #expect(a.view1.scalars == b.view1.scalars)
            #expect(b.view2.scalars == b.view1.scalars)
            #expect(a.view2.scalars != a.view1.scalars)
        }
    }
}
