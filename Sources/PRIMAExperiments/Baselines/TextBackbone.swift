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
    /// Where it comes from, for the run's fingerprint (with `+frozen-weights:bf16` appended when the weights are
    /// stored in bfloat16, so that such runs are keyed apart).
    public let origin: String
    /// How the frozen Linear weights are stored (`Module.storeFrozenWeights(as:)`): the encoder, its copies and
    /// the masked-language model of stage 1 keep them so.
    public let frozenWeights: WeightPrecision
    /// CLS embeddings by text, shared by every fold.
    public let cache = EmbeddingCache()
    /// Longest tokenized text (longer ones are cut).
    public let maxLength: Int
    /// The architecture and configuration (to build copies and the masked-language model of stage 1).
    public let architecture: TextEncoderArchitecture
    /// The checkpoint folder the weights came from, nil for random weights or a refined encoder.
    public let checkpointFolder: URL?
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
    /// With `frozenWeights` `.bfloat16` the Linear weights are stored in bfloat16 as they load (a BF16 file's as
    /// stored): the float32 encoder never exists.
    /// - Throws: ``ExperimentError`` `.invalidOption` naming the folder and what is wrong with it.
    public init(checkpoint folder: URL, maxLength: Int = 512, frozenWeights: WeightPrecision = .float32) throws {
        do {
            encoder = try TextEncoder(contentsOf: folder, frozenWeights: frozenWeights)
        } catch {
            throw ExperimentError(.invalidOption, "--text-checkpoint \(folder.path): not a usable text encoder: "
                                  + ExperimentError.describe(error))
        }
        encoder.eval()
        origin = "checkpoint:" + folder.standardizedFileURL.path + VisionBackbone.originSuffix(frozenWeights)
        self.frozenWeights = frozenWeights
        self.maxLength = maxLength
        do { architecture = try TextEncoderArchitecture.read(from: folder) } catch {
            throw ExperimentError(.invalidOption, "--text-checkpoint \(folder.path): " + ExperimentError.describe(error))
        }
        checkpointFolder = folder
    }

    /// A BERT of ``smallConfig(vocabularySize:)`` with weights drawn from `seed` and a WordPiece tokenizer made
    /// from `corpus` (the metadata texts); with `frozenWeights` `.bfloat16` its Linear weights are then rounded to bfloat16.
    /// - Throws: `TokenizerError` if the generated tokenizer is refused.
    public init(randomWeightsSeed seed: UInt64, corpus: [String], maxLength: Int = 256, frozenWeights: WeightPrecision = .float32) throws {
        let vocabulary = CorpusTokenizer.vocabulary(of: corpus)
        let tokenizer = try Tokenizer(data: CorpusTokenizer.json(vocabulary: vocabulary), source: "<corpus WordPiece tokenizer>")
        var rng = RandomGenerator(seed: seed)
        let config = Self.smallConfig(vocabularySize: vocabulary.count)
        encoder = TextEncoder(backbone: BERTModel(config: config, pooler: false, using: &rng), tokenizer: tokenizer)
        encoder.freeze()
        encoder.storeFrozenWeights(as: frozenWeights)
        encoder.eval()
        origin = "random:\(seed):bert-\(config.hiddenSize)x\(config.numHiddenLayers):vocab-\(vocabulary.count)"
            + VisionBackbone.originSuffix(frozenWeights)
        self.frozenWeights = frozenWeights
        self.maxLength = min(maxLength, config.maxPositionEmbeddings)
        architecture = .bert(config)
        checkpointFolder = nil
    }

    /// A backbone around an encoder built elsewhere (a refined copy of another backbone's encoder).
    init(encoder: TextEncoder, origin: String, maxLength: Int, architecture: TextEncoderArchitecture, frozenWeights: WeightPrecision) {
        self.encoder = encoder
        self.origin = origin
        self.frozenWeights = frozenWeights
        self.maxLength = maxLength
        self.architecture = architecture
        checkpointFolder = nil
    }

    /// A new encoder with this one's weights (shared copy-on-write, in their storage) and tokenizer, frozen and in
    /// evaluation mode: one to change (apply and merge adapters) without touching the encoder the baselines share.
    public func makeEncoderCopy() -> TextEncoder {
        var unused = RandomGenerator(seed: 0)
        let backbone = architecture.makeBackbone(using: &unused)
        backbone.freeze()
        // Same architecture and configuration as the encoder the weights come from: a failure is a programming error.
        do { try backbone.shareWeights(of: encoder.backbone) } catch { preconditionFailure("text encoder copy: \(error)") }
        let copy = TextEncoder(backbone: backbone, tokenizer: encoder.tokenizer, specialTokenIDs: encoder.specialTokenIDs)
        copy.freeze()
        copy.eval()
        return copy
    }

    /// The encoder with its masked-language-model head, for stage 1: the checkpoint folder's model (its
    /// `model.safetensors` must hold the MLM head), or for random weights a BERT MLM head drawn from `seed` on a
    /// copy of the encoder.
    /// - Throws: ``ExperimentError`` `.invalidOption` when the checkpoint has no usable MLM head.
    public func makeMaskedLanguageModel(seed: UInt64) throws -> any MaskedLanguageModel {
        if let folder = checkpointFolder {
            do { return try TextEncoderArchitecture.loadMaskedLanguageModel(contentsOf: folder, frozenWeights: frozenWeights) } catch {
                throw ExperimentError(.invalidOption, "--text-checkpoint \(folder.path): stage 1 (knowledge injection) needs the masked-language-model head in its weights: \(ExperimentError.describe(error)). Give a checkpoint saved with its MLM head, or run PRIMA without stage 1")
            }
        }
        var rng = RandomGenerator(seed: seed)
        switch architecture {
        case .bert(let config):
            let model = BERTForMaskedLM(config: config, using: &rng)
            do { try model.bert.loadStateDict(encoder.backbone.stateDict(), strict: true) } catch { preconditionFailure("MLM copy: \(error)") }
            return frozen(model)
        case .modernBERT(let config):
            let model = ModernBERTForMaskedLM(config: config, using: &rng)
            do { try model.model.loadStateDict(encoder.backbone.stateDict(), strict: true) } catch { preconditionFailure("MLM copy: \(error)") }
            return frozen(model)
        }
    }

    /// `model` frozen with its Linear weights stored as ``frozenWeights`` (the refinement trains adapters only; the
    /// encoder's weights were already rounded, so rounding their float32 copy again changes nothing); unchanged for float32.
    private func frozen<Model: MaskedLanguageModel>(_ model: Model) -> Model {
        guard frozenWeights != .float32 else { return model }
        model.freeze()
        model.storeFrozenWeights(as: frozenWeights)
        return model
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
