import Foundation
import PRIMANN
import PRIMATensor
import Testing
@testable import PRIMAVision

/// `DINOv3Model(contentsOf:frozenWeights:)`: checkpoints loaded straight into bfloat16 frozen weights.
@Suite struct DINOv3FrozenLoadingTests {
    /// A folder with the fixture's config and its weights rewritten as `dtype`.
    static func folder(writing dtype: SafeTensorsDType) throws -> URL {
        let source = try DINOv3Fixtures.folder("dinov3_plain_reg4")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prima-dinov3-\(dtype)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: folder.appendingPathComponent("config.json"))
        try DINOv3Model(contentsOf: source).saveWeights(to: folder.appendingPathComponent("model.safetensors"), dtype: dtype)
        return folder
    }

    /// A BF16 file's weights are kept bit for bit, and the model computes what the float32 load followed by
    /// `storeFrozenWeights(as: .bfloat16)` computes.
    @Test func bf16CheckpointKeepsTheStoredBits() throws {
        let folder = try Self.folder(writing: .bf16)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try DINOv3Model(contentsOf: folder, frozenWeights: .bfloat16)
        #expect(model.trainableParameters.isEmpty)
        let file = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        var checked = 0
        for (key, p) in model.namedParameters() {
            guard let stored = p.bfloat16Value else { continue }
            try file.withUnsafeBytes(of: key) { bytes in #expect(stored.bits == Array(bytes.bindMemory(to: UInt16.self)), "\(key)") }
            checked += 1
        }
        #expect(checked > 0 && checked == model.namedModules().filter { $0.module is Linear }.count)   // every Linear weight
        try expectSameModel(model, try Self.storedAfterLoading(folder))
    }

    /// An F32 file is rounded tensor by tensor to exactly what rounding the loaded float32 model gives.
    @Test func f32CheckpointIsRoundedAsStoreFrozenWeightsRounds() throws {
        let folder = try DINOv3Fixtures.folder("dinov3_plain_reg4")
        try expectSameModel(try DINOv3Model(contentsOf: folder, frozenWeights: .bfloat16), try Self.storedAfterLoading(folder))
        // float32 storage: the plain load, frozen.
        let plain = try DINOv3Model(contentsOf: folder, frozenWeights: .float32)
        #expect(plain.namedParameters().allSatisfy { $0.parameter.precision == .float32 && $0.parameter.isFrozen })
        try expectSameModel(plain, try DINOv3Model(contentsOf: folder))
    }

    /// The float32 load, then the bf16 switch.
    static func storedAfterLoading(_ folder: URL) throws -> DINOv3Model {
        let model = try DINOv3Model(contentsOf: folder)
        model.freeze()
        model.storeFrozenWeights(as: .bfloat16)
        return model
    }

    /// Same storage, same bits in every parameter, same output.
    func expectSameModel(_ a: DINOv3Model, _ b: DINOv3Model) throws {
        let other = Dictionary(uniqueKeysWithValues: b.namedParameters().map { ($0.key, $0.parameter) })
        #expect(Set(other.keys) == Set(a.namedParameters().map(\.key)))
        for (key, p) in a.namedParameters() {
            let q = try #require(other[key])
            #expect(p.precision == q.precision, "\(key)")
            if let bits = p.bfloat16Value?.bits { #expect(bits == q.bfloat16Value?.bits, "\(key)") }
            #expect(p.value.scalars == q.value.scalars, "\(key)")
        }
        let pixels = DINOv3Fixtures.pixels(2, 16, 16)
        let (x, y) = noGrad { (a(pixels).lastHiddenState, b(pixels).lastHiddenState) }
        #expect(x.scalars == y.scalars)
    }
}
