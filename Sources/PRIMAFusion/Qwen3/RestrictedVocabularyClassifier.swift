import PRIMANN
import PRIMATensor

/// Classification with a causal LM by a vocabulary-restricted softmax: the LM-head logits at each
/// sequence's last real token, kept only for one token per class, softmax over that set, cross-entropy.
///
/// Only the `C` rows of the output embedding that belong to the class tokens are multiplied, never the
/// whole vocabulary: the logits equal the full LM head's at those ids. Gradients flow to whatever
/// requires them — with a frozen backbone, the LoRA adapters and any spliced-in input embeddings.
public struct RestrictedVocabularyClassifier: Sendable {
    /// The token id standing for each class, in class order.
    public let classTokenIDs: [Int]

    /// A classifier over `classTokenIDs` (distinct ids, one per class).
    public init(classTokenIDs: [Int]) {
        precondition(!classTokenIDs.isEmpty && Set(classTokenIDs).count == classTokenIDs.count,
                     "class token ids must be distinct and non-empty, got \(classTokenIDs)")
        self.classTokenIDs = classTokenIDs
    }

    /// Class logits `[B, C]` for input embeddings `[B, L, H]` (padding marked 0 in `attentionMask`).
    public func logits(model: Qwen3ForCausalLM, inputEmbeddings: Tensor, attentionMask: Tensor? = nil,
                       positionIDs: Tensor? = nil) -> Tensor {
        precondition(classTokenIDs.allSatisfy { $0 >= 0 && $0 < model.config.vocabSize },
                     "class token ids \(classTokenIDs) outside the vocabulary of \(model.config.vocabSize)")
        // Only the last real token is read: the last layer runs at that position alone (same numbers).
        let last = model.lastTokenHiddenStates(inputEmbeddings: inputEmbeddings, attentionMask: attentionMask,
                                               positionIDs: positionIDs)
        let rows = model.outputEmbedding.value.indexSelect(axis: 0, indices: Tensor(classTokenIDs.map(Float.init)))
        return Tensor.matmul(last, rows, transposeB: true)
    }

    /// Class logits `[B, C]` for token ids `[B, L]`.
    public func logits(model: Qwen3ForCausalLM, tokenIDs: Tensor, attentionMask: Tensor? = nil) -> Tensor {
        logits(model: model, inputEmbeddings: model.embed(tokenIDs), attentionMask: attentionMask)
    }

    /// Mean cross-entropy of class logits `[B, C]` against class indices `[B]`.
    public func loss(logits: Tensor, labels: Tensor) -> Tensor {
        Tensor.crossEntropy(logits: logits, targets: labels)
    }

    /// Class probabilities `[B, C]` (softmax over the restricted set).
    public func probabilities(logits: Tensor) -> Tensor { logits.softmax(axis: -1) }
}
