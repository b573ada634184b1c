import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing
@testable import PRIMAVision

/// Configurations and checkpoint keys: the four public configurations against what transformers'
/// `save_pretrained` writes for them (Fixtures/dinov3_keys.json), and strict loading.
@Suite("DINOv3 configurations and checkpoints")
struct DINOv3CheckpointTests {
    struct PublicModel: Decodable {
        let config: DINOv3Config
        let shapes: [String: [Int]]
    }

    static let presets: [(String, DINOv3Config)] = [
        ("vits16", .vitSmall16), ("vits16plus", .vitSmallPlus16), ("vitb16", .vitBase16), ("vitl16", .vitLarge16),
    ]

    static func publicModels() throws -> [String: PublicModel] {
        let url = try #require(Bundle.module.url(forResource: "dinov3_keys", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode([String: PublicModel].self, from: Data(contentsOf: url))
    }

    @Test("Each public preset equals its config.json and has exactly its checkpoint keys and shapes",
          arguments: presets.map(\.0))
    func publicKeys(_ name: String) throws {
        let reference = try #require(try Self.publicModels()[name])
        let preset = try #require(Self.presets.first { $0.0 == name }).1
        #expect(reference.config == preset)
        // Placeholder parameters are never written to, so even ViT-L costs no memory here.
        let model = DINOv3Model(placeholderFor: preset)
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.parameter.shape) })
        #expect(Set(shapes.keys) == Set(reference.shapes.keys))
        for (key, shape) in reference.shapes { #expect(shapes[key] == shape, "\(key)") }
    }

    @Test("A configuration survives encoding and decoding; absent fields take the transformers defaults")
    func configCoding() throws {
        var config = DINOv3Config.vitSmallPlus16
        config.patchSize = Size2D(8, 16)
        config.posEmbedRescale = nil
        config.posEmbedJitter = 1.5
        let decoded = try JSONDecoder().decode(DINOv3Config.self, from: JSONEncoder().encode(config))
        #expect(decoded == config)
        let minimal = try JSONDecoder().decode(DINOv3Config.self, from: Data(#"{"num_register_tokens": 4}"#.utf8))
        #expect(minimal == .vitSmall16)
    }

    @Test("Bad config.json files throw errors that name the file and the problem")
    func configErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dinov3-config-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("config.json")
        for (json, fragment) in [(#"{"hidden_size": "wide"}"#, "hidden_size"),
                                 (#"{"hidden_size": 30, "num_attention_heads": 4}"#, "num_attention_heads"),
                                 (#"{"hidden_act": "swoosh"}"#, "swoosh"),
                                 (#"{"model_type": "vit"}"#, "model_type")] {
            try Data(json.utf8).write(to: url)
            let error = try #require(throws: CheckpointError.self) { try DINOv3Config(contentsOf: url) }
            #expect(error.path == url.path)
            #expect(error.message.contains(fragment), "\(error)")
        }
        let missing = try #require(throws: CheckpointError.self) { try DINOv3Model(contentsOf: folder.appendingPathComponent("none")) }
        #expect(missing.path.hasSuffix("none/config.json"))
    }

    @Test("Loading fails with the name of a missing, an extra or a mis-shaped key")
    func strictLoading() throws {
        let source = try DINOv3Fixtures.model("dinov3_plain_reg4")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dinov3-load-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: DINOv3Fixtures.folder("dinov3_plain_reg4").appendingPathComponent("config.json"),
                                         to: folder.appendingPathComponent("config.json"))
        let weights = folder.appendingPathComponent("model.safetensors")
        let key = "layer.1.attention.v_proj.bias"

        var dict = source.stateDict()
        dict[key] = nil
        try SafeTensors.write(dict, to: weights)
        var error = try #require(throws: StateDictError.self) { try DINOv3Model(contentsOf: folder) }
        #expect(error.missingKeys == [key] && error.source == weights.path)

        dict = source.stateDict()
        dict["layer.2.attention.v_proj.bias"] = Tensor.zeros([32])
        try SafeTensors.write(dict, to: weights)
        error = try #require(throws: StateDictError.self) { try DINOv3Model(contentsOf: folder) }
        #expect(error.unexpectedKeys == ["layer.2.attention.v_proj.bias"] && error.missingKeys.isEmpty)

        dict = source.stateDict()
        dict[key] = Tensor.zeros([31])
        try SafeTensors.write(dict, to: weights)
        error = try #require(throws: StateDictError.self) { try DINOv3Model(contentsOf: folder) }
        #expect(error.shapeMismatches == [.init(key: key, expected: [32], found: [31])])
        #expect(error.description.contains(key))

        // A state dict saved from a live transformers model (`model.layer.N`) loads too, and round-trips.
        dict = [:]
        for (k, v) in source.stateDict() { dict[k.hasPrefix("layer.") ? "model." + k : k] = v }
        try SafeTensors.write(dict, to: weights)
        let reloaded = try DINOv3Model(contentsOf: folder)
        #expect(!reloaded.isTraining)
        let pixels = DINOv3Fixtures.pixels(1, 8, 8)
        #expect(noGrad { reloaded(pixels).lastHiddenState.scalars == source(pixels).lastHiddenState.scalars })
    }

    @Test("A new model follows the transformers initialisation and is reproducible from its seed")
    func initialisation() throws {
        var rng = RandomGenerator(seed: 3)
        let model = DINOv3Model(config: DINOv3Fixtures.tinyConfig(), using: &rng)
        var again = RandomGenerator(seed: 3)
        let twin = DINOv3Model(config: DINOv3Fixtures.tinyConfig(), using: &again)
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.parameter.value) })
        #expect(model.stateDict().allSatisfy { $0.value.scalars == twin.stateDict()[$0.key]!.scalars })
        #expect(parameters["layer.0.layer_scale1.lambda1"]!.scalars.allSatisfy { $0 == 1 })
        #expect(parameters["layer.0.attention.q_proj.bias"]!.scalars.allSatisfy { $0 == 0 })
        #expect(parameters["embeddings.mask_token"]!.scalars.allSatisfy { $0 == 0 })
        let weights = parameters["layer.1.mlp.up_proj.weight"]!.scalars
        let std = (weights.map { $0 * $0 }.reduce(0, +) / Float(weights.count)).squareRoot()
        #expect(abs(std - 0.02) < 0.002 && weights.allSatisfy { abs($0) <= 2 })
        #expect(model.parameterCount() == twin.parameterCount())
    }
}
