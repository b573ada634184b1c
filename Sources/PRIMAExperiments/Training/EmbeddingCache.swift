import Foundation
import PRIMATensor

/// Remembers the output of a frozen encoder per input key, so that each input is encoded once per run rather
/// than once per epoch: the text encoder's CLS of a metadata text (keyed by the text), or a frozen image
/// encoder's features of a photo without augmentation (keyed by the file).
///
/// ```swift
/// let cache = EmbeddingCache()
/// let textCLS = try cache.embeddings(for: batch.texts) { missing in textEncoder.cls(of: missing) }
/// ```
///
/// Only encoders whose weights do not train may be cached; the rows come back without gradient.
public final class EmbeddingCache: @unchecked Sendable {
    private var rows: [String: [Float]] = [:]
    private var width: Int?
    private let lock = NSLock()

    /// An empty cache.
    public init() {}

    /// Number of cached keys.
    public var count: Int { lock.withLock { rows.count } }

    /// The embeddings [N, D] of `keys`, in order; `compute` is called once with the keys not seen before
    /// (each listed once, in first-seen order) and must return their embeddings [M, D].
    /// - Throws: what `compute` throws, or ``ExperimentError`` when it returns the wrong shape.
    public func embeddings(for keys: [String], compute: ([String]) throws -> Tensor) throws -> Tensor {
        var missing: [String] = []
        lock.withLock {
            var seen = Set<String>()
            for key in keys where rows[key] == nil && seen.insert(key).inserted { missing.append(key) }
        }
        if !missing.isEmpty {
            let computed = try noGrad { try compute(missing) }
            guard computed.rank == 2, computed.shape[0] == missing.count, width == nil || computed.shape[1] == width else {
                throw ExperimentError(.invalidOption, "the encoder gave embeddings of shape \(computed.shape) for \(missing.count) inputs"
                                      + (width.map { " of width \($0)" } ?? ""))
            }
            let d = computed.shape[1], values = computed.scalars
            lock.withLock {
                width = d
                for (i, key) in missing.enumerated() { rows[key] = Array(values[(i * d)..<((i + 1) * d)]) }
            }
        }
        return lock.withLock {
            let d = width ?? 0
            var out = [Float]()
            out.reserveCapacity(keys.count * d)
            for key in keys { out += rows[key]! }
            return Tensor(shape: [keys.count, d], scalars: out)
        }
    }

    /// The cached embeddings [N, D] of `keys`, in order, or nil when one of them was never computed.
    public func cachedEmbeddings(for keys: [String]) -> Tensor? {
        lock.withLock {
            guard let d = width else { return nil }
            var out = [Float]()
            out.reserveCapacity(keys.count * d)
            for key in keys {
                guard let row = rows[key] else { return nil }
                out += row
            }
            return Tensor(shape: [keys.count, d], scalars: out)
        }
    }
}
