import PRIMAText
import PRIMATensor

/// The language model's input for a batch: embeddings, mask and positions, right-padded.
public struct FusionPrompt: Sendable {
    /// `[B, L, H]`: prompt token embeddings, markers and projected features; zeros at padding.
    public let inputEmbeddings: Tensor
    /// `[B, L]`: 1 for every real position, 0 for the right padding.
    public let attentionMask: Tensor
    /// `[B, L]`: `0 ..< length` along each row's real positions, 0 at padding.
    public let positionIDs: Tensor
    /// Each row's number of real positions; the last one (`length − 1`) is `<|txt_end|>`, where the class is read.
    public let lengths: [Int]
}

/// Splices the prompt and the projected features of a batch into the language model's input:
///
/// ```
/// <prompt tokens> <|img_start|> image tokens <|img_end|> <|txt_start|> text tokens <|txt_end|> [padding]
/// ```
///
/// The prompt and the image part have the same length in every row; the text part keeps only each sample's real
/// (unmasked) text tokens, so rows differ in length and are padded on the right. Under causal attention real positions
/// never see the padding after them, and the classifier reads each row's last real position
/// (`Qwen3ForCausalLM.lastTokenStates`), so a sample's result does not depend on the other samples of its batch.
///
/// Everything is gathered from one table with a single differentiable `indexSelect`, so gradients reach the markers
/// and every projected feature.
public struct FusionPromptBuilder: Sendable {
    /// The prompt's token ids (no special tokens), the same for every sample.
    public let promptTokenIDs: [Int]

    /// A builder with an already tokenized prompt.
    public init(promptTokenIDs: [Int]) {
        self.promptTokenIDs = promptTokenIDs
    }

    /// A builder for `prompt`, tokenized without special tokens.
    /// - Throws: ``FusionError`` when the prompt has no token.
    public init(prompt: String, tokenizer: Tokenizer) throws {
        let ids = tokenizer.encode(prompt, addSpecialTokens: false).ids
        guard !ids.isEmpty else { throw FusionError("prompt builder", "the prompt \"\(prompt)\" has no token in \(tokenizer.source)") }
        self.init(promptTokenIDs: ids)
    }

    /// The default prompt: names the task and the classes, e.g. "Diagnose the skin lesion from the image and the
    /// patient's clinical data. Classes: ACK, BCC, MEL. Answer with one class." The class words follow the layout at
    /// the last position, read by the vocabulary-restricted head.
    public static func defaultPrompt(task: String = "Diagnose the lesion from the image and the patient's clinical data.",
                                     classNames: [String]) -> String {
        "\(task) Classes: \(classNames.joined(separator: ", ")). Answer with one class."
    }

    /// The input for a batch.
    /// - Parameters:
    ///   - promptEmbeddings: `[P, H]`, the embeddings of ``promptTokenIDs``.
    ///   - specialTokens: `[4, H]`, the marker embeddings in ``FusionSpecialToken`` order.
    ///   - imageTokens: `[B, N, H]`, every image token of each sample (all real).
    ///   - textTokens: `[B, T, H]`, the text tokens of each sample.
    ///   - textMask: `[B, T]`, 1 for real text tokens (any layout: real tokens are packed in order).
    /// - Throws: ``FusionError`` naming the shapes when they disagree.
    public func build(promptEmbeddings: Tensor, specialTokens: Tensor, imageTokens: Tensor, textTokens: Tensor,
                      textMask: Tensor) throws -> FusionPrompt {
        let source = "prompt builder"
        guard imageTokens.rank == 3, textTokens.rank == 3 else {
            throw FusionError(source, "image tokens \(imageTokens.shape) and text tokens \(textTokens.shape) must be [B, N, H] and [B, T, H]")
        }
        let (b, n, h) = (imageTokens.shape[0], imageTokens.shape[1], imageTokens.shape[2])
        let t = textTokens.shape[1]
        guard promptEmbeddings.shape == [promptTokenIDs.count, h] else {
            throw FusionError(source, "prompt embeddings \(promptEmbeddings.shape) for \(promptTokenIDs.count) prompt tokens of width \(h)")
        }
        guard specialTokens.shape == [FusionSpecialToken.allCases.count, h] else {
            throw FusionError(source, "special token embeddings \(specialTokens.shape), expected [4, \(h)]")
        }
        guard textTokens.shape[0] == b, textTokens.shape[2] == h, textMask.shape == [b, t] else {
            throw FusionError(source, "text tokens \(textTokens.shape) with mask \(textMask.shape) for image tokens \(imageTokens.shape): expected [\(b), T, \(h)] and [\(b), T]")
        }
        // Table rows: markers, prompt, one zero row (padding), image tokens, text tokens.
        let p = promptTokenIDs.count
        let promptRow = 4, zeroRow = 4 + p, imageRow = zeroRow + 1, textRow = imageRow + b * n
        let mask = textMask.scalars
        let realText = (0..<b).map { i in (0..<t).filter { mask[i * t + $0] != 0 } }
        let lengths = realText.map { p + n + 4 + $0.count }
        let l = lengths.max() ?? 0
        var rows = [Float](repeating: Float(zeroRow), count: b * l)
        var attention = [Float](repeating: 0, count: b * l)
        for i in 0..<b {
            var sequence: [Int] = (0..<p).map { promptRow + $0 }
            sequence.append(FusionSpecialToken.imageStart.rawValue)
            sequence += (0..<n).map { imageRow + i * n + $0 }
            sequence.append(FusionSpecialToken.imageEnd.rawValue)
            sequence.append(FusionSpecialToken.textStart.rawValue)
            sequence += realText[i].map { textRow + i * t + $0 }
            sequence.append(FusionSpecialToken.textEnd.rawValue)
            for (j, row) in sequence.enumerated() {
                rows[i * l + j] = Float(row)
                attention[i * l + j] = 1
            }
        }
        let table = Tensor.concat([specialTokens, promptEmbeddings, Tensor.zeros([1, h]),
                                   imageTokens.reshaped([b * n, h]), textTokens.reshaped([b * t, h])], axis: 0)
        let embeddings = table.indexSelect(axis: 0, indices: Tensor(shape: [b * l], scalars: rows)).reshaped([b, l, h])
        let attentionMask = Tensor(shape: [b, l], scalars: attention)
        return FusionPrompt(inputEmbeddings: embeddings, attentionMask: attentionMask,
                            positionIDs: Qwen3ForCausalLM.positionIDs(attentionMask: attentionMask), lengths: lengths)
    }
}
