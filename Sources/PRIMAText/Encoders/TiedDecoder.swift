import PRIMANN
import PRIMATensor

/// An output projection that shares its weight with an embedding table (`tie_word_embeddings`), as the MLM
/// decoders of BERT and ModernBERT do: logits `h Eᵀ + b`. The shared weight is listed once, under the
/// embedding's key, as in PyTorch state dicts.
public final class TiedDecoder: Module, Layer {
    /// The embedding table `[vocabulary, hidden]`, shared with the embedding layer.
    public let weight: Parameter
    /// `[vocabulary]`, or nil without a decoder bias.
    public let bias: Parameter?

    /// A decoder reading `embedding`'s weight, with an optional bias of the same object as another key's (`bias`).
    init(tiedTo embedding: Embedding, bias: Parameter?) {
        self.weight = embedding.weight
        self.bias = bias
        super.init()
    }

    /// Logits over the vocabulary for `[…, hidden]` states.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let hidden = weight.shape[1]
        let rows = input.reshaped([-1, hidden])
        var out = Tensor.matmul(rows, weight.value, transposeB: true)
        if let bias { out = out + bias.value }
        return out.reshaped(Array(input.shape.dropLast()) + [weight.shape[0]])
    }
}
