import Foundation
import PRIMAFusion
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing

/// Checkpoint layout: the published key names and shapes, tied heads, strict loading.
@Suite struct Qwen3CheckpointTests {
    /// The parameter tree of a model built from the config transformers writes for Qwen3-0.6B / 1.7B has
    /// exactly the keys and shapes of transformers' state dict (the tied `lm_head.weight` aside, which a
    /// tied checkpoint does not store). Built uninitialised, so no memory is touched.
    @Test(arguments: ["qwen3_0.6b_keys", "qwen3_1.7b_keys"])
    func publishedKeysAndShapes(file: String) throws {
        let url = Qwen3Fixtures.folder("\(file).json")
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let config = try JSONDecoder().decode(Qwen3Config.self, from: JSONSerialization.data(withJSONObject: json["config"]!))
        let expected = try #require(json["keys"] as? [String: [Int]])
        let tied = try #require(json["tied_keys"] as? [String])
        #expect(config == (file.contains("0.6b") ? Qwen3Config.qwen3_0_6B : Qwen3Config.qwen3_1_7B).withLayerTypes(config.layerTypes))
        let model = Qwen3ForCausalLM(config: config, initialization: .uninitialized)
        var actual: [String: [Int]] = [:]
        for (key, parameter) in model.namedParameters() { actual[key] = parameter.shape }
        for key in tied { actual[key] = expected[key] }
        #expect(actual == expected)
        #expect(tied == ["lm_head.weight"] && model.lmHead == nil)
    }

    @Test func tiedCheckpointWithStoredHeadLoadsAndUsesTheEmbedding() throws {
        let source = try Qwen3Fixtures.model("qwen3_tied")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qwen3-tied-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: Qwen3Fixtures.folder("qwen3_tied").appendingPathComponent("config.json"),
                                         to: directory.appendingPathComponent("config.json"))
        var state = source.stateDict()
        state["lm_head.weight"] = state["model.embed_tokens.weight"]
        try SafeTensors.write(state, dtype: .f32, to: directory.appendingPathComponent("model.safetensors"))
        let loaded = try Qwen3ForCausalLM(contentsOf: directory)
        let ids = Tensor(shape: [1, 4], scalars: [3, 1, 4, 1])
        let (a, b) = noGrad { (source(tokenIDs: ids).logits!, loaded(tokenIDs: ids).logits!) }
        #expect(a.scalars == b.scalars)
    }

    /// Sharded checkpoints (`model.safetensors.index.json`, as Qwen3-1.7B ships) load from their shards.
    @Test func shardedCheckpointLoads() throws {
        let source = try Qwen3Fixtures.model("qwen3_untied")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qwen3-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: Qwen3Fixtures.folder("qwen3_untied").appendingPathComponent("config.json"),
                                         to: directory.appendingPathComponent("config.json"))
        let state = source.stateDict()
        var shards: [String: [String: Tensor]] = [:], map: [String: String] = [:]
        for (key, tensor) in state {
            let shard = key.hasPrefix("model.layers.1.") || key == "lm_head.weight" ? "model-00002-of-00002.safetensors"
                                                                                  : "model-00001-of-00002.safetensors"
            shards[shard, default: [:]][key] = tensor
            map[key] = shard
        }
        for (name, tensors) in shards {
            try SafeTensors.write(tensors, dtype: .bf16, to: directory.appendingPathComponent(name))
        }
        let index = try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": map])
        try index.write(to: directory.appendingPathComponent("model.safetensors.index.json"))
        let loaded = try Qwen3ForCausalLM(contentsOf: directory)
        for (key, parameter) in loaded.namedParameters() {
            #expect(parameter.value.scalars == state[key]!.roundedToBFloat16().scalars, "\(key)")
        }
    }

    @Test func missingKeysAreNamed() throws {
        let source = try Qwen3Fixtures.model("qwen3_untied")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qwen3-missing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: Qwen3Fixtures.folder("qwen3_untied").appendingPathComponent("config.json"),
                                         to: directory.appendingPathComponent("config.json"))
        var state = source.stateDict()
        state["model.layers.1.self_attn.k_norm.weight"] = nil
        try SafeTensors.write(state, dtype: .f32, to: directory.appendingPathComponent("model.safetensors"))
        let error = try #require(throws: StateDictError.self) { try Qwen3ForCausalLM(contentsOf: directory) }
        #expect(error.missingKeys == ["model.layers.1.self_attn.k_norm.weight"])
        #expect(throws: TensorError.self) { try Qwen3ForCausalLM(contentsOf: directory.appendingPathComponent("absent")) }
    }
}

extension Qwen3Config {
    /// The same config with `layer_types` as given (transformers writes it out; the presets derive it).
    func withLayerTypes(_ types: [String]?) -> Qwen3Config {
        var c = self
        c.layerTypes = types
        return c
    }
}
