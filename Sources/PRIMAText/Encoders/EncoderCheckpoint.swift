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
        // Tensor by tensor from the mapped file: no float32 copy of the whole checkpoint, and weights stored in
        // bfloat16 take BF16 data unwidened.
        try module.loadSafeTensors([file], strict: true, source: url.path) { fileKey in
            let key = renamedLegacyKey(fileKey)
            // The key as the module names it: as is, or without a wrapper prefix.
            let candidates = [key] + prefixes.filter { key.hasPrefix($0) }.map { String(key.dropFirst($0.count)) }
            if let match = candidates.first(where: known.contains) { return match }
            if candidates.contains(where: { candidate in ignoring.contains { matches(candidate, $0) } }) { return nil }
            return key   // reported as unexpected by the strict load
        }
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
