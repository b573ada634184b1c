import Foundation
import PRIMANN
import PRIMATensor

/// Loading Hugging Face checkpoints of the encoders: the same weights ship under different wrappers
/// (`ModernBertModel` keys vs `ModernBertForMaskedLM`'s `model.` prefix, `BertModel` vs `bert.`), with heads
/// an encoder does not use, tied copies and non-persistent buffers. This maps a file's keys onto a module's and
/// then loads strictly: anything not explicitly accounted for is reported by key.
enum EncoderCheckpoint {
    /// Loads the safetensors file `url` into `module`.
    /// - Parameters:
    ///   - prefixes: wrapper prefixes to strip (`"model."`); a key loses the first one that gives a key of `module`.
    ///   - ignoring: keys (after stripping) to skip: exact keys, or prefixes ending in `.` (`"head."`).
    ///   - tied: file keys that store a copy of a tied parameter, with the module key of that parameter: the copy
    ///     is skipped but must equal the parameter (a file whose decoder is not really tied is refused).
    static func load(_ module: Module, from url: URL, stripping prefixes: [String] = [], ignoring: [String] = [],
                     tied: [String: String] = [:]) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        let known = Set(module.namedParameters().map(\.key))
        var dict: [String: Tensor] = [:]
        for fileKey in file.keys {
            let key = renamedLegacyKey(fileKey)
            // The key as the module names it: as is, or without a wrapper prefix.
            let candidates = [key] + prefixes.filter { key.hasPrefix($0) }.map { String(key.dropFirst($0.count)) }
            if let match = candidates.first(where: known.contains) {
                dict[match] = try file.tensor(fileKey)
            } else if !candidates.contains(where: { candidate in ignoring.contains { matches(candidate, $0) } }) {
                dict[key] = try file.tensor(fileKey)   // reported as unexpected by the strict load
            }
        }
        try module.loadStateDict(dict, strict: true, source: url.path)
        let parameters = Dictionary(uniqueKeysWithValues: module.namedParameters().map { ($0.key, $0.parameter) })
        for (copyKey, key) in tied where file.keys.contains(copyKey) {
            guard let parameter = parameters[key], try file.tensor(copyKey).scalars == parameter.value.scalars else {
                throw TextEncoderError(file: url.path, "\(copyKey) differs from \(key); untied output embeddings are not supported")
            }
        }
    }

    private static func matches(_ key: String, _ pattern: String) -> Bool {
        pattern.hasSuffix(".") ? key.hasPrefix(pattern) : key == pattern
    }

    /// Old TensorFlow-converted BERT files name the layer-norm parameters `gamma` / `beta`.
    private static func renamedLegacyKey(_ key: String) -> String {
        if key.hasSuffix("LayerNorm.gamma") { return String(key.dropLast("gamma".count)) + "weight" }
        if key.hasSuffix("LayerNorm.beta") { return String(key.dropLast("beta".count)) + "bias" }
        return key
    }

    /// The single `.safetensors` weight file of a checkpoint folder (`model.safetensors`).
    static func weightsFile(in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TextEncoderError(file: url.path, "not found (the encoder's weights must be one model.safetensors file)")
        }
        return url
    }
}

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

    /// Normal values (std 0.02, as `transformers` initialises these models) or zeros.
    mutating func normal(_ shape: [Int], std: Float = 0.02) -> Tensor {
        guard rng != nil else { return Tensor.zeros(shape) }
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
