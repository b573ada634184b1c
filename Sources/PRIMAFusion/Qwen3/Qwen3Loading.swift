import Foundation
import PRIMANN
import PRIMATensor

extension Qwen3ForCausalLM {
    /// The model of a Hugging Face Qwen3 checkpoint folder: `config.json` and the weights in `model.safetensors`
    /// or in the shards listed by `model.safetensors.index.json`. F32, F16 and BF16 tensors are read
    /// (converted to Float32). Returned in evaluation mode.
    /// - Throws: `TensorError` for an unreadable or invalid config, `StateDictError` naming missing,
    ///   unexpected or misshapen keys.
    public convenience init(contentsOf folder: URL) throws {
        let config = try Qwen3Config(contentsOf: folder.appendingPathComponent("config.json"))
        self.init(config: config, initialization: .uninitialized)
        try loadCheckpoint(fromFolder: folder)
        eval()
    }

    /// The model of a checkpoint folder, frozen, with its Linear weights stored in `frozenWeights`: with
    /// `.bfloat16` a BF16 checkpoint is kept as stored (never widened to float32, half the memory; see
    /// `Module.storeFrozenWeights(as:)`). Every parameter is frozen (attach LoRA adapters to train); norms and
    /// the embedding table stay float32. Returned in evaluation mode.
    /// - Throws: as ``init(contentsOf:)``.
    public convenience init(contentsOf folder: URL, frozenWeights: WeightPrecision) throws {
        let config = try Qwen3Config(contentsOf: folder.appendingPathComponent("config.json"))
        self.init(config: config, initialization: .uninitialized)
        freeze()
        storeFrozenWeights(as: frozenWeights)
        try loadCheckpoint(fromFolder: folder)
        eval()
    }

    /// Replaces the weights with those of the safetensors files of a checkpoint folder (`model.safetensors`
    /// or the shards of `model.safetensors.index.json`), strictly: every key of the model and no other. With
    /// tied embeddings a stored `lm_head.weight` is ignored, as transformers does. The training mode is unchanged.
    public func loadCheckpoint(fromFolder folder: URL) throws {
        try loadCheckpoint(files: try Self.weightFiles(in: folder), source: folder.path)
    }

    /// Replaces the weights with those of one safetensors file, strictly, as ``loadCheckpoint(fromFolder:)``.
    public func loadCheckpoint(fromFile url: URL) throws {
        try loadCheckpoint(files: [url], source: url.path)
    }

    /// Loads the weights of a checkpoint folder.
    @available(*, deprecated, renamed: "loadCheckpoint(fromFolder:)")
    public func loadCheckpoint(from directory: URL) throws { try loadCheckpoint(fromFolder: directory) }

    private func loadCheckpoint(files: [URL], source: String) throws {
        // Tensor by tensor from the mapped files; weights stored in bfloat16 take BF16 data unwidened.
        let opened = try files.map { try SafeTensorsFile(contentsOf: $0) }
        try loadSafeTensors(opened, strict: true, ignoring: config.tieWordEmbeddings ? ["lm_head.weight"] : [], source: source)
    }

    /// The weight files of a checkpoint folder: the shards named by `model.safetensors.index.json`, else
    /// `model.safetensors`.
    static func weightFiles(in directory: URL) throws -> [URL] {
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: index.path) {
            struct Index: Decodable { let weight_map: [String: String] }
            do {
                let data = try Data(contentsOf: index)
                let map: [String: String]
                do { map = try JSONDecoder().decode(Index.self, from: data).weight_map } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
                    throw TensorError.invalidArgument("\(index.path): \(JSONSyntaxLocation.describeInvalidJSON(data))")
                }
                return Set(map.values).sorted().map { directory.appendingPathComponent($0) }
            } catch let error as TensorError {
                throw error
            } catch {
                throw TensorError.invalidArgument("\(index.path): not a safetensors index (\(error))")
            }
        }
        let single = directory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: single.path) else {
            throw TensorError.io("no model.safetensors or model.safetensors.index.json in \(directory.path)")
        }
        return [single]
    }
}
