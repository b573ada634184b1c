import Foundation
import PRIMANN
import PRIMATensor

extension FusionClassifier {
    /// The trained part only (LoRA adapters, projectors, markers), keyed as in the classifier: what a trained stage 3
    /// adds to the frozen language model. A few MB for Qwen3-0.6B instead of the whole model.
    public func trainableWeights() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: namedParameters().filter { !$0.parameter.isFrozen }.map { ($0.key, $0.parameter.value.detached()) })
    }

    /// Writes ``trainableWeights()`` to a safetensors file, atomically (a failed write leaves an existing file intact),
    /// with the class names in the metadata (`class_names`, JSON) so a mismatched reload is refused.
    public func saveTrainableWeights(to url: URL, metadata: [String: String] = [:]) throws {
        var fields = metadata
        fields["class_names"] = String(decoding: try JSONEncoder().encode(classNames), as: UTF8.self)
        try SafeTensors.write(trainableWeights(), metadata: fields, to: url)
    }

    /// Loads a file written by ``saveTrainableWeights(to:metadata:)`` into this classifier (built as the saved one: same
    /// language model, adapters, projector sizes and classes), strictly on the trainable keys.
    /// - Throws: ``FusionError`` naming the file when its class names differ; `StateDictError` naming missing,
    ///   unexpected or misshapen keys; the reader's errors.
    public func loadTrainableWeights(from url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        let saved = file.metadata["class_names"].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
        guard saved == classNames else {
            throw FusionError("fusion classifier", "\(url.path) was saved for classes \(saved.map { "\($0)" } ?? "unknown"), this classifier has \(classNames)")
        }
        var weights: [String: Tensor] = [:]
        for key in file.keys { weights[key] = try file.tensor(key) }
        let trainable = Set(namedParameters().filter { !$0.parameter.isFrozen }.map(\.key))
        let missing = trainable.subtracting(weights.keys).sorted(), unexpected = Set(weights.keys).subtracting(trainable).sorted()
        guard missing.isEmpty, unexpected.isEmpty else {
            throw StateDictError(missingKeys: missing, unexpectedKeys: unexpected, shapeMismatches: [], source: url.path)
        }
        try loadStateDict(weights, strict: false, source: url.path)
    }
}
