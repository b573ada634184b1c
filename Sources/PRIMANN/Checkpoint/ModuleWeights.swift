import Foundation
import PRIMATensor

extension Module {
    /// Writes ``stateDict()`` to a safetensors file (atomically: a failed write leaves an existing file intact).
    /// - Parameters:
    ///   - url: the file to write.
    ///   - dtype: the storage type (`.f32`, or `.bf16` / `.f16` to halve the file).
    ///   - metadata: strings for the file's `__metadata__` (Hugging Face files carry `"format": "pt"`).
    public func saveWeights(to url: URL, dtype: SafeTensorsDType = .f32, metadata: [String: String] = [:]) throws {
        try SafeTensors.write(stateDict(), metadata: metadata, dtype: dtype, to: url)
    }

    /// Loads a safetensors file (a Hugging Face `model.safetensors`, or one written by ``saveWeights(to:dtype:metadata:)``)
    /// tensor by tensor (``loadSafeTensors(_:strict:ignoring:stripping:source:)``, the rules of
    /// ``loadStateDict(_:strict:source:)``): strict by default, errors name the file and the keys.
    /// - Parameters:
    ///   - url: the safetensors file.
    ///   - strict: whether missing and unexpected keys throw (shape mismatches always do).
    ///   - prefix: a key prefix to strip first (`"model."` to load a `…ForCausalLM` file into its inner model);
    ///     keys without it are then unexpected.
    @discardableResult
    public func loadWeights(from url: URL, strict: Bool = true, stripping prefix: String = "") throws -> StateDictLoadReport {
        try loadSafeTensors([SafeTensorsFile(contentsOf: url)], strict: strict, stripping: prefix, source: url.path)
    }
}
