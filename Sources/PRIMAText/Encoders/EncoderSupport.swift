import PRIMANN
import PRIMATensor

// Small pieces shared by the encoder implementations.

extension Tensor {
    /// `[B, L, H·D]` → `[B, H, L, D]`.
    func splittingHeads(_ heads: Int) -> Tensor {
        let (b, l, width) = (shape[0], shape[1], shape[2])
        return reshaped([b, l, heads, width / heads]).permuted([0, 2, 1, 3])
    }

    /// `[B, H, L, D]` → `[B, L, H·D]`.
    func mergingHeads() -> Tensor {
        let (b, h, l, d) = (shape[0], shape[1], shape[2], shape[3])
        return permuted([0, 2, 1, 3]).reshaped([b, l, h * d])
    }
}

/// Checks token ids and an attention mask coming from callers: `[B, L]` each, ids within the vocabulary.
func validateTokens(_ ids: Tensor, mask: Tensor?, vocabularySize: Int) {
    precondition(ids.rank == 2, "token ids must be [batch, length], got \(ids.shape)")
    if let mask { precondition(mask.shape == ids.shape, "attention mask \(mask.shape) for ids \(ids.shape)") }
    ids.withUnsafeBuffer { buffer in
        for id in buffer {
            precondition(id >= 0 && Int(id) < vocabularySize && id == id.rounded(), "token id \(id) outside the vocabulary of \(vocabularySize)")
        }
    }
}

/// How the encoders fill new weights: random normal values (training from scratch) or zeros, which cost
/// nothing to draw, for a model whose weights a checkpoint is about to overwrite.
struct WeightFiller {
    /// The stream of random weights; nil to fill with zeros.
    var rng: RandomGenerator?
    /// Without `rng`: leave the matrices uninitialised instead of zero. For a model a strict checkpoint load
    /// overwrites entirely: building it then writes no page of its largest tensors, so they take memory only
    /// once loaded (and a weight stored in bfloat16 before loading never takes its float32 size).
    var uninitialized = false

    /// Normal values (std 0.02, as `transformers` initialises these models), zeros or uninitialised placeholders.
    mutating func normal(_ shape: [Int], std: Float = 0.02) -> Tensor {
        guard rng != nil else { return uninitialized ? Tensor(uninitializedShape: shape) : Tensor.zeros(shape) }
        return Tensor.randomNormal(shape, std: std, using: &rng!)
    }

    /// A generator for a dropout layer: split from the stream, or a fixed seed when filling with zeros.
    mutating func generator() -> RandomGenerator {
        guard rng != nil else { return RandomGenerator(seed: 0) }
        return rng!.split()
    }

    /// A Linear with normal weights and zero bias.
    mutating func linear(_ input: Int, _ output: Int, bias: Bool) -> Linear {
        Linear(weight: normal([output, input]), bias: bias ? Tensor.zeros([output]) : nil)
    }

    /// A dropout layer when `probability` is positive.
    mutating func dropout(_ probability: Float) -> Dropout? {
        probability > 0 ? Dropout(probability: probability, generator: generator()) : nil
    }
}
