import Foundation
import PRIMANN
import PRIMATensor
import PRIMAText

/// The frozen text encoder of the image+metadata baseline: a Hugging Face checkpoint folder (ModernBERT or
/// BERT, with its `tokenizer.json`), or a small BERT with seeded random weights and a `CorpusTokenizer` (PRIMAText)
/// (the built-in default).
///
/// It never trains, so each metadata text is encoded once per run (``EmbeddingCache``), not once per epoch.
/// Sendable because the encoder is only run under `lock` (in ``precompute(_:)``) and never changes.
public final class TextBackbone: @unchecked Sendable {
    /// The encoder, in evaluation mode.
    public let encoder: TextEncoder
    /// Where it comes from, for the run's fingerprint.
    public let origin: String
    /// CLS embeddings by text, shared by every fold.
    public let cache = EmbeddingCache()
    /// Longest tokenized text (longer ones are cut).
    public let maxLength: Int
    private let lock = NSLock()

    /// **[ours]** The built-in default: BERT with 2 layers of width 64 and 2 heads, positions up to 256 tokens.
    /// The vocabulary size is set from the tokenizer.
    public static func smallConfig(vocabularySize: Int) -> BERTConfig {
        var config = BERTConfig(vocabSize: vocabularySize, hiddenSize: 64, numHiddenLayers: 2, numAttentionHeads: 2,
                                intermediateSize: 128, maxPositionEmbeddings: 256)
        config.hiddenDropoutProb = 0
        config.attentionProbsDropoutProb = 0
        return config
    }

    /// Loads a text-encoder folder (`config.json` with `model_type` "modernbert" or "bert", `model.safetensors`,
    /// `tokenizer.json`).
    /// - Throws: ``ExperimentError`` `.invalidOption` naming the folder and what is wrong with it.
    public init(checkpoint folder: URL, maxLength: Int = 512) throws {
        do {
            encoder = try TextEncoder(contentsOf: folder)
        } catch {
            throw ExperimentError(.invalidOption, "--text-checkpoint \(folder.path): not a usable text encoder: "
                                  + ExperimentError.describe(error))
        }
        encoder.eval()
        origin = "checkpoint:" + folder.standardizedFileURL.path
        self.maxLength = maxLength
    }

    /// A BERT of ``smallConfig(vocabularySize:)`` with weights drawn from `seed` and a WordPiece tokenizer made
    /// from `corpus` (the metadata texts).
    /// - Throws: `TokenizerError` if the generated tokenizer is refused.
    public init(randomWeightsSeed seed: UInt64, corpus: [String], maxLength: Int = 256) throws {
        let vocabulary = CorpusTokenizer.vocabulary(of: corpus)
        let tokenizer = try Tokenizer(data: CorpusTokenizer.json(vocabulary: vocabulary), source: "<corpus WordPiece tokenizer>")
        var rng = RandomGenerator(seed: seed)
        let config = Self.smallConfig(vocabularySize: vocabulary.count)
        encoder = TextEncoder(backbone: BERTModel(config: config, pooler: false, using: &rng), tokenizer: tokenizer)
        encoder.freeze()
        encoder.eval()
        origin = "random:\(seed):bert-\(config.hiddenSize)x\(config.numHiddenLayers):vocab-\(vocabulary.count)"
        self.maxLength = min(maxLength, config.maxPositionEmbeddings)
    }

    /// The width of the CLS embedding.
    public var hiddenSize: Int { encoder.hiddenSize }

    /// Encodes the texts not seen before and remembers their CLS embeddings.
    ///
    /// Each text is encoded alone, never padded into a batch with others: in a batch, the padded length and
    /// the batch's shape change the order of floating-point sums, so a text's embedding would depend on which
    /// texts happened to be missing from the cache with it — and a run resumed after its first fold (which
    /// fills the cache in a later fold's order) would differ from an uninterrupted one in the last bits.
    /// - Throws: tokenizer errors.
    public func precompute(_ texts: [String]) throws {
        try lock.withLock {
            _ = try cache.embeddings(for: texts) { missing in
                let rows = try missing.map { try encoder.encode([$0], maxLength: maxLength).cls }
                return rows.count == 1 ? rows[0] : Tensor.concat(rows, axis: 0)
            }
        }
    }

    /// The CLS embeddings [B, hidden] of texts already passed to ``precompute(_:)``.
    public func embeddings(of texts: [String]) -> Tensor {
        guard let rows = cache.cachedEmbeddings(for: texts) else {
            preconditionFailure("TextBackbone: a text was not precomputed before training")
        }
        return rows
    }
}
