import PRIMAAlign
import PRIMANN
import PRIMAText
import PRIMATensor

/// PRIMA stage 3: a frozen Qwen3 with LoRA adapters reads the projected image and text features between learnable
/// markers and classifies with a softmax restricted to one vocabulary token per class.
///
/// ```
/// <prompt> <|img_start|> [img global, patches] × views <|img_end|> <|txt_start|> text CLS, text tokens <|txt_end|>
/// ```
///
/// Trainable: the LoRA adapters (``PRIMANN/LoRA/Configuration/qwen3Fusion`` by default), the four projectors and the markers;
/// the language model's own weights, embedding and LM head are frozen. The image and text features come from the
/// stage-2 encoders, which stay frozen (``FusionFeatureSet`` holds them, computed once).
///
/// Keys: `llm.…` (the Qwen3 checkpoint's keys under `llm.`, with `lora_A`/`lora_B` next to the adapted layers),
/// `image_global_projector.…`, `text_global_projector.…`, `patch_projector.…`, `text_projector.…`,
/// `special_tokens.weight`.
public final class FusionClassifier: Module {
    /// The language model (frozen, with adapters).
    @Key("llm") public private(set) var languageModel: Qwen3ForCausalLM
    /// Image views' global features → one token each.
    @Key("image_global_projector") public private(set) var imageGlobalProjector: GlobalTokenProjector
    /// The text's CLS feature → one token.
    @Key("text_global_projector") public private(set) var textGlobalProjector: GlobalTokenProjector
    /// Patch tokens → downsampled grid tokens.
    @Key("patch_projector") public private(set) var patchProjector: PatchGridProjector
    /// Text tokens → downsampled sequence tokens.
    @Key("text_projector") public private(set) var textProjector: TextTokenProjector
    /// The four markers.
    @Key("special_tokens") public private(set) var specialTokens: FusionSpecialTokens

    /// The projector sizes.
    public let projectorConfiguration: FusionProjectorConfiguration
    /// The prompt and the splicing of features.
    public let promptBuilder: FusionPromptBuilder
    /// The vocabulary-restricted head: one token id per class.
    public let head: RestrictedVocabularyClassifier
    /// The class names, in class order.
    public let classNames: [String]
    /// The words whose first token stands for each class (the class names when built from ids without words).
    public let classWords: [String]
    /// The keys of the adapted layers of the language model.
    public let adaptedLayerKeys: [String]

    /// A classifier over `classNames` on top of `languageModel` (load its checkpoint first: the model is frozen and
    /// adapters are attached here), with the prompt, class tokens and markers taken from `tokenizer`.
    ///
    /// - Parameters:
    ///   - languageModel: a Qwen3 (a checkpoint, or ``Qwen3Config/smallFusion(vocabularySize:)`` with random weights).
    ///   - tokenizer: the model's tokenizer (``BuiltInFusionTokenizer`` for the built-in model).
    ///   - classNames: the classes, in label order (at least 2).
    ///   - classWords: the word standing for each class; its first token (encoded as `" " + word`, so a byte-level BPE
    ///     gives the word-initial token) is the class token. Default: the class names. The first tokens must differ.
    ///   - prompt: the instruction before the features; default ``FusionPromptBuilder/defaultPrompt(task:classNames:)``.
    ///   - projectors: projector sizes; `hiddenSize` must equal the model's.
    ///   - lora: the adapters, nil to train the projectors and markers only.
    ///   - rng: initialisation of the projectors and adapters.
    /// - Throws: ``FusionError`` for fewer than 2 classes, class words with a missing or shared first token, a prompt
    ///   with no token, or sizes that do not fit the model; `TensorError` when no layer matches the LoRA targets.
    public convenience init(languageModel: Qwen3ForCausalLM, tokenizer: Tokenizer, classNames: [String], classWords: [String]? = nil,
                            prompt: String? = nil, projectors: FusionProjectorConfiguration, lora: LoRA.Configuration? = .qwen3Fusion,
                            using rng: inout RandomGenerator) throws {
        let words = classWords ?? classNames
        guard words.count == classNames.count else {
            throw FusionError("fusion classifier", "\(words.count) class words for \(classNames.count) classes")
        }
        let classTokens = try Self.classTokenIDs(words: words, tokenizer: tokenizer, vocabularySize: languageModel.config.vocabSize)
        let builder = try FusionPromptBuilder(prompt: prompt ?? FusionPromptBuilder.defaultPrompt(classNames: classNames), tokenizer: tokenizer)
        try self.init(languageModel: languageModel, promptTokenIDs: builder.promptTokenIDs, classTokenIDs: classTokens,
                      classNames: classNames, classWords: words,
                      specialTokens: try FusionSpecialTokens(initializingFrom: languageModel, tokenizer: tokenizer),
                      projectors: projectors, lora: lora, using: &rng)
    }

    /// A classifier from token ids already chosen: the prompt's ids, one class token id per class, and the markers.
    ///
    /// - Parameters:
    ///   - languageModel: the Qwen3, its checkpoint loaded; it is frozen and adapters are attached here.
    ///   - promptTokenIDs: the prompt's token ids (no special tokens), the same for every sample.
    ///   - classTokenIDs: the vocabulary id standing for each class, distinct, in class order.
    ///   - classNames: the classes, in label order (at least 2).
    ///   - classWords: what each class token stands for (for reports); default: the class names.
    ///   - markers: the marker embeddings `[4, H]` (``FusionSpecialTokens/init(initializingFrom:tokenizer:)``).
    ///   - projectors: projector sizes; `hiddenSize` must equal the model's.
    ///   - lora: the adapters, nil to train the projectors and markers only.
    ///   - rng: initialisation of the projectors and adapters.
    /// - Throws: ``FusionError`` for fewer than 2 classes, class token ids that are not distinct or lie outside the
    ///   vocabulary, an empty prompt, or sizes that do not fit the model; `TensorError` when no layer matches the LoRA
    ///   targets.
    public init(languageModel: Qwen3ForCausalLM, promptTokenIDs: [Int], classTokenIDs: [Int], classNames: [String],
                classWords: [String]? = nil, specialTokens markers: FusionSpecialTokens, projectors: FusionProjectorConfiguration,
                lora: LoRA.Configuration? = .qwen3Fusion, using rng: inout RandomGenerator) throws {
        let source = "fusion classifier"
        let vocabulary = languageModel.config.vocabSize
        try projectors.validate()
        guard classNames.count >= 2 else { throw FusionError(source, "at least 2 classes are needed, got \(classNames)") }
        guard classTokenIDs.count == classNames.count, Set(classTokenIDs).count == classTokenIDs.count,
              classTokenIDs.allSatisfy({ (0..<vocabulary).contains($0) }) else {
            throw FusionError(source, "class token ids \(classTokenIDs) for classes \(classNames): one distinct id in 0..<\(vocabulary) per class expected")
        }
        guard projectors.hiddenSize == languageModel.config.hiddenSize, markers.hiddenSize == projectors.hiddenSize else {
            throw FusionError(source, "projector hiddenSize \(projectors.hiddenSize) and marker width \(markers.hiddenSize) must equal the language model's hidden_size \(languageModel.config.hiddenSize)")
        }
        guard !promptTokenIDs.isEmpty else { throw FusionError(source, "the prompt has no token") }
        if let bad = promptTokenIDs.first(where: { !(0..<vocabulary).contains($0) }) {
            throw FusionError(source, "prompt token id \(bad) is outside the model's vocabulary of \(vocabulary)")
        }
        self.projectorConfiguration = projectors
        self.promptBuilder = FusionPromptBuilder(promptTokenIDs: promptTokenIDs)
        self.head = RestrictedVocabularyClassifier(classTokenIDs: classTokenIDs)
        self.classNames = classNames
        self.classWords = classWords ?? classNames
        languageModel.freeze()
        if let lora {
            adaptedLayerKeys = try LoRA.apply(to: languageModel, lora, freezeBase: true, using: &rng)
        } else {
            adaptedLayerKeys = []
        }
        super.init()
        self.languageModel = languageModel
        let h = projectors.hiddenSize
        imageGlobalProjector = GlobalTokenProjector(inputWidth: projectors.imageFeatureWidth, hiddenSize: h, using: &rng)
        textGlobalProjector = GlobalTokenProjector(inputWidth: projectors.textFeatureWidth, hiddenSize: h, using: &rng)
        patchProjector = PatchGridProjector(inputWidth: projectors.imageFeatureWidth, hiddenSize: h,
                                            kernelSize: projectors.patchKernelSize, stride: projectors.patchStride, using: &rng)
        textProjector = TextTokenProjector(inputWidth: projectors.textFeatureWidth, hiddenSize: h,
                                           kernelSize: projectors.textKernelSize, stride: projectors.textStride, using: &rng)
        specialTokens = markers
        markers.unfreeze()
    }

    /// The first token of `" " + word` for each word.
    /// - Throws: ``FusionError`` naming the word without a token, outside the vocabulary, or sharing its first token.
    public static func classTokenIDs(words: [String], tokenizer: Tokenizer, vocabularySize: Int) throws -> [Int] {
        var ids: [Int] = []
        for word in words {
            guard let id = tokenizer.encode(" " + word, addSpecialTokens: false).ids.first else {
                throw FusionError("fusion classifier", "class word \"\(word)\" has no token in \(tokenizer.source)")
            }
            guard id < vocabularySize else {
                throw FusionError("fusion classifier", "class word \"\(word)\" starts with token \(id), outside the model's vocabulary of \(vocabularySize)")
            }
            if let other = ids.firstIndex(of: id) {
                throw FusionError("fusion classifier", "class words \"\(words[other])\" and \"\(word)\" both start with token \(id) (\(tokenizer.token(for: id) ?? "?")); give distinct classWords")
            }
            ids.append(id)
        }
        return ids
    }

    /// Number of classes C.
    public var classCount: Int { classNames.count }

    // MARK: Forward

    /// The language model's input for a batch: every view's global token and downsampled patches, the text's CLS
    /// token and downsampled real tokens, spliced by ``promptBuilder``.
    /// - Throws: ``FusionError`` naming the shapes when the features do not fit the projectors or each other.
    public func prompt(views: [ImageFeatures], text: TextFeatures) throws -> FusionPrompt {
        let source = "fusion classifier"
        let config = projectorConfiguration
        guard let first = views.first else { throw FusionError(source, "no image view given") }
        let b = first.batchSize
        var imageParts: [Tensor] = []
        for (v, view) in views.enumerated() {
            guard view.global.shape == [b, config.imageFeatureWidth] else {
                throw FusionError(source, "view \(v): image global features \(view.global.shape), expected [\(b), \(config.imageFeatureWidth)]")
            }
            guard (view.tokens == nil) == (first.tokens == nil) else {
                throw FusionError(source, "view \(v) \(view.tokens == nil ? "has no" : "has") patch tokens, view 0 \(first.tokens == nil ? "has none" : "has them")")
            }
            imageParts.append(imageGlobalProjector(view.global).unsqueezed(1))
            if let tokens = view.tokens {
                guard let grid = view.grid else {
                    throw FusionError(source, "view \(v): patch tokens \(tokens.shape) without a patch grid")
                }
                guard tokens.rank == 3, tokens.shape[0] == b else {
                    throw FusionError(source, "view \(v): patch tokens \(tokens.shape) for a batch of \(b)")
                }
                imageParts.append(try patchProjector(tokens, grid: grid))
            }
        }
        guard text.cls.shape == [b, config.textFeatureWidth] else {
            throw FusionError(source, "text CLS features \(text.cls.shape), expected [\(b), \(config.textFeatureWidth)] (batch of \(b) images)")
        }
        guard text.tokens.rank == 3, text.tokens.shape[0] == b, text.mask.shape == Array(text.tokens.shape.prefix(2)) else {
            throw FusionError(source, "text tokens \(text.tokens.shape) with mask \(text.mask.shape) for a batch of \(b)")
        }
        let (textTokens, textMask) = try textProjector(text.tokens, mask: text.mask)
        let textSequence = Tensor.concat([textGlobalProjector(text.cls).unsqueezed(1), textTokens], axis: 1)
        let sequenceMask = Tensor.concat([Tensor.ones([b, 1]), textMask], axis: 1)
        let promptEmbeddings = noGrad {
            languageModel.embed(Tensor(shape: [1, promptBuilder.promptTokenIDs.count], scalars: promptBuilder.promptTokenIDs.map(Float.init)))
        }.reshaped([promptBuilder.promptTokenIDs.count, config.hiddenSize])
        return try promptBuilder.build(promptEmbeddings: promptEmbeddings, specialTokens: specialTokens.weight.value,
                                       imageTokens: Tensor.concat(imageParts, axis: 1), textTokens: textSequence, textMask: sequenceMask)
    }

    /// Class logits `[B, C]` for a batch with one or more image views per sample (`views[v]` holds view `v` of
    /// every sample; the same projector serves every view).
    /// - Throws: ``FusionError`` naming the shapes on a mismatch.
    public func logits(views: [ImageFeatures], text: TextFeatures) throws -> Tensor {
        let input = try prompt(views: views, text: text)
        return head.logits(model: languageModel, inputEmbeddings: input.inputEmbeddings, attentionMask: input.attentionMask,
                           positionIDs: input.positionIDs)
    }

    /// Class logits `[B, C]` for a batch with one image view per sample.
    /// - Throws: ``FusionError`` naming the shapes on a mismatch.
    public func logits(image: ImageFeatures, text: TextFeatures) throws -> Tensor {
        try logits(views: [image], text: text)
    }

    /// Class-weighted cross-entropy of logits `[B, C]` against labels `[B]` (class indices as floats), as
    /// `torch.nn.functional.cross_entropy(weight=…)`: `Σ w_y · ℓ / Σ w_y`. Without weights, the plain mean.
    /// - Throws: ``FusionError`` for mismatched shapes or a label outside `0..<C`.
    public func loss(logits: Tensor, labels: Tensor, classWeights: Tensor? = nil) throws -> Tensor {
        let c = classCount
        guard logits.rank == 2, logits.shape[1] == c, labels.shape == [logits.shape[0]] else {
            throw FusionError("fusion classifier", "loss of logits \(logits.shape) against labels \(labels.shape): expected [B, \(c)] and [B]")
        }
        if let bad = labels.scalars.firstIndex(where: { !($0 >= 0 && $0 < Float(c) && $0 == $0.rounded()) }) {
            throw FusionError("fusion classifier", "label \(labels.scalars[bad]) of sample \(bad) is not a class index in 0..<\(c)")
        }
        if let classWeights, classWeights.shape != [c] {
            throw FusionError("fusion classifier", "class weights \(classWeights.shape) for \(c) classes")
        }
        return Tensor.crossEntropy(logits: logits, targets: labels, weights: classWeights)
    }

    /// Class probabilities `[B, C]` (softmax of the logits), without recording gradients.
    /// - Throws: ``FusionError`` naming the shapes on a mismatch.
    public func probabilities(views: [ImageFeatures], text: TextFeatures) throws -> Tensor {
        try noGrad { try logits(views: views, text: text).softmax(axis: -1) }
    }
}
