import Foundation
import PRIMANN
import PRIMATensor

/// PRIMA's text encoder: a tokenizer and a transformer encoder of either supported architecture behind one
/// interface, built from a checkpoint folder (`config.json` + `model.safetensors` + `tokenizer.json`) and
/// picking ModernBERT or BERT by the config's `model_type`.
///
/// ```swift
/// let encoder = try TextEncoder(contentsOf: URL(fileURLWithPath: "Clinical_ModernBERT"))
/// let features = try noGrad { try encoder.encode(["Age 55, lesion on the forearm, itches."]) }
/// features.cls      // [1, 768]
/// ```
///
/// Its parameters carry the backbone's own checkpoint keys (`layers.0.attn.Wqkv.weight`,
/// `encoder.layer.0.attention.self.query.weight`), so LoRA adapters and saved weights line up with Hugging Face files.
public final class TextEncoder: Module {
    /// The transformer (inlined: its keys are the encoder's keys).
    @Key("") public private(set) var backbone: any TextEncoderBackbone
    /// The tokenizer of the checkpoint, nil for an encoder fed with token ids only.
    public let tokenizer: Tokenizer?
    /// Token ids that never count as words (special tokens), used when ``tokenizer`` is nil.
    public let specialTokenIDs: Set<Int>

    /// The width of the features.
    public var hiddenSize: Int { backbone.hiddenSize }

    /// Wraps a backbone and its tokenizer; without a tokenizer, `specialTokenIDs` says which ids are not words.
    public init(backbone: any TextEncoderBackbone, tokenizer: Tokenizer?, specialTokenIDs: Set<Int> = []) {
        self.tokenizer = tokenizer
        self.specialTokenIDs = specialTokenIDs
        super.init()
        self.backbone = backbone
    }

    /// The encoder of a checkpoint folder: `config.json` (its `model_type` picks the architecture),
    /// `model.safetensors` (a bare encoder or its masked-LM wrapper, loaded strictly) and `tokenizer.json`.
    /// In evaluation mode.
    /// - Throws: ``TextEncoderError`` (unsupported `model_type`, bad config, missing file), `StateDictError`
    ///   (missing, unexpected or mis-shaped weights, by key) or `TokenizerError`.
    public convenience init(contentsOf folder: URL) throws { try self.init(contentsOf: folder, storing: nil) }

    /// The encoder of a checkpoint folder as ``init(contentsOf:)``, frozen, with the backbone's Linear weights
    /// stored in `frozenWeights` as they load: with `.bfloat16` a BF16 file's weights are kept as stored and an
    /// F32 file's rounded one tensor at a time, never holding a float32 copy of them
    /// (`TextEncoderArchitecture.loadBackbone(contentsOf:frozenWeights:)`).
    public convenience init(contentsOf folder: URL, frozenWeights: WeightPrecision) throws {
        try self.init(contentsOf: folder, storing: frozenWeights)
    }

    private convenience init(contentsOf folder: URL, storing frozenWeights: WeightPrecision?) throws {
        let architecture = try TextEncoderArchitecture.read(from: folder)
        let tokenizerURL = folder.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: tokenizerURL.path) else {
            throw TextEncoderError(file: tokenizerURL.path, "not found (the text encoder needs the checkpoint's tokenizer)")
        }
        let tokenizer = try Tokenizer(contentsOf: tokenizerURL)
        let backbone = try frozenWeights.map { try architecture.loadBackbone(contentsOf: folder, frozenWeights: $0) }
            ?? architecture.loadBackbone(contentsOf: folder)
        self.init(backbone: backbone, tokenizer: tokenizer)
        if frozenWeights != nil { freeze() }
        eval()
    }

    /// The features of token ids `[B, L]` with an optional attention mask `[B, L]` (all ones when nil).
    public func callAsFunction(_ ids: Tensor, mask: Tensor? = nil) -> TextFeatures {
        let attention = mask ?? Tensor.ones(ids.shape)
        let tokens = backbone.hiddenStates(ids, mask: attention)
        return TextFeatures(cls: tokens.narrowed(axis: 1, start: 0, length: 1).squeezed(1), tokens: tokens,
                            mask: attention, wordMask: wordMask(ids: ids, mask: attention))
    }

    /// Tokenizes `texts` as ``tokenize(_:maxLength:)`` does and encodes them.
    /// - Throws: ``TextEncoderError`` when the encoder has no tokenizer.
    public func encode(_ texts: [String], maxLength: Int? = 512) throws -> TextFeatures {
        let (ids, mask) = try tokenize(texts, maxLength: maxLength)
        return self(ids, mask: mask)
    }

    /// Token ids and attention mask `[B, L]` of `texts`, special tokens included: padded on the right to the
    /// longest text of the batch and cut (at the end) to `maxLength` tokens and to
    /// ``TextEncoderBackbone/maxSequenceLength``.
    ///
    /// The `padding` and `truncation` settings stored in the tokenizer (from `tokenizer.json`) are replaced for
    /// this call, the way `transformers` tokenizers replace them with each call's `padding=True, truncation=True,
    /// max_length=…`, so that the ids match what the Python checkpoints were used with. Files often pin a fixed
    /// length (all-MiniLM-L6-v2 pads every text to 128 tokens and cuts there) that would waste work on padding or
    /// cut clinical text shorter than asked; and the padding must be on the right because the features take the
    /// first token as CLS. To use the file's own settings, call ``Tokenizer/encodeBatch(_:addSpecialTokens:)`` on
    /// ``tokenizer`` and pass the ids and mask to ``callAsFunction(_:mask:)``.
    /// - Throws: ``TextEncoderError`` when the encoder has no tokenizer.
    public func tokenize(_ texts: [String], maxLength: Int? = 512) throws -> (ids: Tensor, mask: Tensor) {
        guard let tokenizer else { throw TextEncoderError(file: "TextEncoder", "has no tokenizer; pass token ids instead") }
        let limits = [maxLength, backbone.maxSequenceLength].compactMap { $0 }
        let batch = tokenizer.encodeBatch(texts, padding: .longest, truncation: limits.min())
        return (batch.idsTensor(), batch.attentionMaskTensor())
    }

    /// 1 where `mask` is 1 and the id is not a special token.
    private func wordMask(ids: Tensor, mask: Tensor) -> Tensor {
        var out = Tensor(uninitializedShape: ids.shape)
        let (idScalars, maskScalars) = (ids.scalars, mask.scalars)
        out.withUnsafeMutableBuffer { words in
            for i in 0..<words.count {
                let id = Int(idScalars[i])
                let special = tokenizer?.isSpecialToken(id) ?? specialTokenIDs.contains(id)
                words[i] = maskScalars[i] != 0 && !special ? 1 : 0
            }
        }
        return out
    }

    // MARK: LoRA

    /// Attaches LoRA adapters to the backbone's attention and MLP projections (``TextEncoderBackbone/projectionNames``
    /// unless the configuration names other targets) and freezes everything else.
    @discardableResult
    public func applyLoRA(_ configuration: LoRA.Configuration, using rng: inout RandomGenerator) throws -> [String] {
        var configuration = configuration
        if configuration.targets.isEmpty { configuration.targets = backbone.projectionNames }
        return try LoRA.apply(to: self, configuration, using: &rng)
    }

    /// Attaches adapters as ``applyLoRA(_:using:)`` does and loads their weights from a safetensors file written by
    /// ``MaskedLanguageModelTrainer/saveAdapters(to:)`` (keys relative to the encoder). Strict: every adapter key must
    /// be in the file and nothing else.
    public func loadAdapters(from url: URL, configuration: LoRA.Configuration) throws {
        var rng = RandomGenerator(seed: 0)
        try applyLoRA(configuration, using: &rng)
        try loadAdapterWeights(from: url)
    }

    /// Loads adapter weights into adapters already attached.
    func loadAdapterWeights(from url: URL) throws {
        var dict = stateDict().filter { !$0.key.contains("lora_") }
        for (key, tensor) in try SafeTensorsFile(contentsOf: url).tensors() { dict[key] = tensor }
        try loadStateDict(dict, strict: true, source: url.path)
    }
}
