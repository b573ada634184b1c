import PRIMANN
import PRIMATensor
import PRIMAText

/// Dense sentence vectors from PRIMA's text encoder, for dense retrieval.
///
/// A text's vector is the encoder's final hidden states pooled over the text (``Pooling/mean``, the default and what
/// all-MiniLM-L6-v2 was trained for, averages the real tokens, special tokens included as sentence-transformers
/// does; ``Pooling/cls`` takes the first token), then L2-normalised, so a dot product is a cosine similarity.
public struct SentenceEmbedder: @unchecked Sendable {
    /// How token features become one vector.
    public enum Pooling: String, Sendable, Codable, CaseIterable {
        /// The mean over real tokens (`TextFeatures/meanPooled()`).
        case mean
        /// The first token's feature (`[CLS]`).
        case cls
    }

    /// The encoder (must have a tokenizer); used in evaluation mode, without gradients.
    public let encoder: TextEncoder
    /// The pooling.
    public let pooling: Pooling
    /// Texts per forward pass.
    public let batchSize: Int
    /// The longest input in tokens; longer texts are cut.
    public let maxLength: Int
    /// Recorded in the index, so a query is never compared with vectors of another model (`"all-MiniLM-L6-v2 mean"`).
    public let identity: String

    /// An embedder named `name` (a model name or folder), pooling with `pooling`.
    public init(encoder: TextEncoder, name: String, pooling: Pooling = .mean, batchSize: Int = 32, maxLength: Int = 256) {
        precondition(batchSize > 0 && maxLength > 1, "batch size and maximum length must be positive")
        self.encoder = encoder
        self.pooling = pooling
        self.batchSize = batchSize
        self.maxLength = maxLength
        identity = "\(name) \(pooling.rawValue)-pooled L2-normalised"
    }

    /// The vector width.
    public var dimension: Int { encoder.hiddenSize }

    /// `[texts.count, dimension]` unit vectors, in batches of ``batchSize``.
    /// - Throws: when the encoder has no tokenizer.
    public func embed(_ texts: [String]) throws -> Tensor {
        encoder.eval()
        var rows: [Tensor] = []
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            let batch = Array(texts[start..<min(texts.count, start + batchSize)])
            let (ids, mask) = try encoder.tokenize(batch, maxLength: maxLength)
            let vectors = noGrad { () -> Tensor in
                let features = encoder(ids, mask: mask)
                return (pooling == .mean ? features.meanPooled() : features.cls).l2Normalized(axis: 1)
            }
            rows.append(vectors)
        }
        guard !rows.isEmpty else { return Tensor.zeros([0, dimension]) }
        return rows.count == 1 ? rows[0] : Tensor.concat(rows, axis: 0)
    }
}
