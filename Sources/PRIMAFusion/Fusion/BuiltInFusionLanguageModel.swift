import PRIMAText
import PRIMATensor

extension Qwen3Config {
    /// **[ours]** The small Qwen3 of the built-in run (random weights, no download): 2 layers, hidden size 64,
    /// 4 query / 2 key-value heads of size 16, MLP 128, tied embeddings. Shaped like the published models
    /// (grouped-query attention, per-head q/k norms, RoPE θ = 10⁶) so the same code path runs; a real checkpoint
    /// replaces it for the paper's setting.
    /// - Parameter vocabularySize: the tokenizer's vocabulary size (``BuiltInFusionTokenizer``).
    public static func smallFusion(vocabularySize: Int) -> Qwen3Config {
        var c = Qwen3Config()
        c.vocabSize = vocabularySize
        c.hiddenSize = 64
        c.intermediateSize = 128
        c.numHiddenLayers = 2
        c.numAttentionHeads = 4
        c.numKeyValueHeads = 2
        c.headDim = 16
        c.maxPositionEmbeddings = 2048
        c.ropeTheta = 1_000_000
        c.tieWordEmbeddings = true
        c.slidingWindow = nil
        return c
    }
}

/// **[ours]** The tokenizer of the built-in stage-3 model: a WordPiece made in code (`CorpusTokenizer`) whose words
/// are those of the prompt, the class words and the markers' initialisation words, so the built-in run needs no
/// download. Each class word is a whole token, hence a distinct class token.
public enum BuiltInFusionTokenizer {
    /// The texts the vocabulary is made from: the prompt, the class words, and every
    /// ``FusionSpecialToken/initializationText``.
    public static func corpus(prompt: String, classWords: [String]) -> [String] {
        [prompt] + classWords + FusionSpecialToken.allCases.map(\.initializationText)
    }

    /// The tokenizer for `prompt` and `classWords` (default prompt: ``FusionPromptBuilder/defaultPrompt(task:classNames:)``).
    /// - Throws: `TokenizerError` if the generated file is refused (a bug).
    public static func make(classWords: [String], prompt: String? = nil) throws -> Tokenizer {
        try CorpusTokenizer.make(corpus: corpus(prompt: prompt ?? FusionPromptBuilder.defaultPrompt(classNames: classWords),
                                                classWords: classWords))
    }
}
