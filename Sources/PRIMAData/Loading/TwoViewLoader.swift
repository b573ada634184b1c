import Foundation
import PRIMANN
import PRIMATensor

/// Feeds PRIMA's trainers: batches of two augmented views per sample with the sample's metadata text,
/// metadata vector and label, decoded and augmented on background threads.
///
/// - Order: each epoch shuffles the samples with a generator seeded from (`seed`, epoch) (or keeps them in
///   order with `shuffle: false`).
/// - Views: a sample with several photos gets two distinct ones, chosen at random; a sample with one photo
///   uses it twice. Each view goes through ``ImageTransform`` with its own generator, derived from
///   (`seed`, epoch, sample), so the batches do not depend on thread timing.
/// - Memory: at most ``Configuration/prefetchDepth`` batches exist ahead of the consumer (being built or
///   waiting), whatever the dataset size; decoding of a batch is spread over ``Configuration/workerCount`` threads.
public final class TwoViewLoader: Sendable {
    /// Batching and threading options.
    public struct Configuration: Sendable {
        /// Samples per batch.
        public var batchSize: Int
        /// Shuffle the samples each epoch (else keep their order).
        public var shuffle: Bool
        /// Seed of the shuffling and of every augmentation.
        public var seed: UInt64
        /// Drop a last batch smaller than `batchSize` (contrastive losses prefer full batches).
        public var dropLast: Bool
        /// Batches prepared ahead of the consumer, at least 1.
        public var prefetchDepth: Int
        /// Threads decoding and augmenting the samples of one batch.
        public var workerCount: Int
        /// Views made per sample: 2, or 1 for a consumer that reads ``TwoViewBatch/view1`` only; then `view2` is
        /// the same tensor as `view1` and no second photo is decoded or augmented. `view1` is the same either way.
        public var viewCount: Int

        /// Options; by default shuffled, two batches prefetched, one decoding thread per core, two views.
        public init(batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false,
                    prefetchDepth: Int = 2, workerCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount),
                    viewCount: Int = 2) {
            self.batchSize = batchSize
            self.shuffle = shuffle
            self.seed = seed
            self.dropLast = dropLast
            self.prefetchDepth = prefetchDepth
            self.workerCount = workerCount
            self.viewCount = viewCount
        }
    }

    /// The samples, indexed by ``TwoViewBatch/sampleIndices``.
    public let samples: [DatasetSample]
    /// Batching and threading options.
    public let configuration: Configuration
    let transform: ImageTransform
    let renderer: MetadataTextRenderer
    let encoder: MetadataVectorEncoder
    let decode: @Sendable (URL) throws -> RGBImage

    /// - Parameters:
    ///   - samples: the samples (lesions or patients), e.g. one fold's training split.
    ///   - transform: the augmentation applied to each view.
    ///   - renderer: metadata → text.
    ///   - encoder: metadata → vector.
    ///   - configuration: batching and threading options.
    ///   - decode: reads a photo (default: ``ImageDecoder/decode(contentsOf:)``, PNG or JPEG by content).
    public init(samples: [DatasetSample], transform: @escaping ImageTransform, renderer: MetadataTextRenderer,
                encoder: MetadataVectorEncoder, configuration: Configuration,
                decode: @escaping @Sendable (URL) throws -> RGBImage = ImageDecoder.decode(contentsOf:)) {
        precondition(configuration.batchSize > 0 && configuration.prefetchDepth > 0 && configuration.workerCount > 0,
                     "batch size, prefetch depth and worker count must be positive")
        precondition(configuration.viewCount == 1 || configuration.viewCount == 2, "view count must be 1 or 2, got \(configuration.viewCount)")
        self.samples = samples
        self.transform = transform
        self.renderer = renderer
        self.encoder = encoder
        self.configuration = configuration
        self.decode = decode
    }

    /// Batches per epoch.
    public var batchCount: Int {
        configuration.dropLast ? samples.count / configuration.batchSize
            : (samples.count + configuration.batchSize - 1) / configuration.batchSize
    }

    /// The sample order of `epoch`.
    public func order(epoch: Int) -> [Int] {
        guard configuration.shuffle else { return Array(samples.indices) }
        var rng = RandomGenerator(seed: Self.mix(configuration.seed, UInt64(epoch), 0x5348_5546))
        return rng.permutation(samples.count)
    }

    /// The fewest samples of any batch of an epoch (the last one when it is partial), 0 for no batch.
    public var smallestBatchSize: Int {
        guard batchCount > 0 else { return 0 }
        let rest = samples.count % configuration.batchSize
        return configuration.dropLast || rest == 0 ? configuration.batchSize : rest
    }

    /// Starts preparing `epoch`'s batches in the background; read them with ``Epoch/next()``.
    public func epoch(_ epoch: Int) -> Epoch {
        self.epoch(epoch, rank: 0, of: 1)
    }

    /// Data-parallel training: starts preparing rank `rank`'s part (`BatchShard`) of each of `epoch`'s batches,
    /// out of `size` ranks. The global batches, their order and every sample's augmentation are those of
    /// ``epoch(_:)``; only the samples of this rank's slice are decoded. Every batch must hold at least `size`
    /// samples (``smallestBatchSize``).
    public func epoch(_ epoch: Int, rank: Int, of size: Int) -> Epoch {
        precondition(size == 1 || smallestBatchSize >= size, "batches of \(smallestBatchSize) samples cannot be split over \(size) ranks")
        let order = order(epoch: epoch)
        let batchSize = configuration.batchSize
        let batches = (0..<batchCount).map { b in
            let batch = order[(b * batchSize)..<min(order.count, (b + 1) * batchSize)]
            let shard = BatchShard.range(count: batch.count, rank: rank, size: size)
            return Array(batch.dropFirst(shard.lowerBound).prefix(shard.count))
        }
        return Epoch(prefetcher: Prefetcher(batches: batches, depth: configuration.prefetchDepth) { [self] indices in
            try self.makeBatch(indices, epoch: epoch)
        })
    }

    /// One epoch's batches, in order. Dropping it stops the background work.
    public struct Epoch: ~Copyable {
        let prefetcher: Prefetcher<TwoViewBatch>

        /// The next batch, `nil` after the last; waits only if the background threads are behind.
        /// - Throws: the first error met while decoding or transforming that batch's photos.
        public mutating func next() throws -> TwoViewBatch? { try prefetcher.next() }

        deinit { prefetcher.cancel() }
    }

    /// Builds one batch: decodes, transforms and assembles the samples at `indices` (in parallel).
    func makeBatch(_ indices: [Int], epoch: Int) throws -> TwoViewBatch {
        let n = indices.count
        let views = UncheckedSendable(UnsafeMutablePointer<Result<(Tensor, Tensor), Error>?>.allocate(capacity: n))
        views.value.initialize(repeating: nil, count: n)
        defer { views.value.deinitialize(count: n); views.value.deallocate() }
        let chunks = min(configuration.workerCount, n)
        // Each worker counts as inside a parallel region, so the image kernels it calls do not split again.
        Parallel.forEachChunk(chunks) { chunk in
            for i in (n * chunk / chunks)..<(n * (chunk + 1) / chunks) {
                views.value[i] = Result { try self.views(of: indices[i], epoch: epoch) }
            }
        }
        var first: [Tensor] = [], second: [Tensor] = []
        for i in 0..<n {
            let (a, b) = try views.value[i]!.get()
            first.append(a)
            second.append(b)
        }
        let shape = first[0].shape
        for (i, (a, b)) in zip(first, second).enumerated() where a.shape != shape || b.shape != shape {
            throw DataError(.invalidArgument, "sample '\(samples[indices[i]].id)': the transform gave views of shapes \(a.shape) and \(b.shape); the batch expects \(shape)")
        }
        let chosen = indices.map { samples[$0] }
        let view1 = Self.stack(first)
        return TwoViewBatch(
            sampleIndices: indices, view1: view1, view2: configuration.viewCount == 1 ? view1 : Self.stack(second),
            texts: chosen.map { renderer.render($0.metadata) },
            metadataVectors: encoder.encodeBatch(chosen.map(\.metadata), labels: chosen.map(\.label)),
            labels: Tensor(shape: [n], scalars: chosen.map { Float($0.label) }))
    }

    /// The two views of sample `index` in `epoch`.
    func views(of index: Int, epoch: Int) throws -> (Tensor, Tensor) {
        let sample = samples[index]
        var rng = RandomGenerator(seed: Self.mix(configuration.seed, UInt64(epoch), UInt64(index)))
        let paths = sample.imagePaths
        let a = rng.nextInt(in: 0..<paths.count)
        var b = a
        if paths.count > 1 {
            b = rng.nextInt(in: 0..<(paths.count - 1))
            if b >= a { b += 1 }
        }
        var rng1 = rng.split(), rng2 = rng.split()
        let imageA = try decode(paths[a])
        let viewA = try transform(imageA, &rng1)
        guard configuration.viewCount == 2 else { return (viewA, viewA) }
        let imageB = b == a ? imageA : try decode(paths[b])
        return (viewA, try transform(imageB, &rng2))
    }

    /// Stacks equal-shaped tensors along a new first axis.
    static func stack(_ tensors: [Tensor]) -> Tensor {
        let each = tensors[0].count
        let out = Tensor(uninitializedShape: [tensors.count] + tensors[0].shape)
        for (i, t) in tensors.enumerated() {
            t.withUnsafeBuffer { out.storage.pointer.advanced(by: i * each).update(from: $0.baseAddress!, count: each) }
        }
        return out
    }

    /// A seed from several numbers (SplitMix-style mixing), so nearby epochs and samples get unrelated streams.
    static func mix(_ values: UInt64...) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        for v in values {
            h = (h ^ v) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 31
        }
        return h
    }
}
