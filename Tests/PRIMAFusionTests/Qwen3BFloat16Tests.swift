import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing
@testable import PRIMAFusion

/// Qwen3 with its frozen Linear weights stored in bfloat16, against Scripts/reference/gen_bf16.py.
@Suite struct Qwen3BFloat16Tests {
    /// Float32 products against the rounded-weight reference, bf16 products against the rounded-inputs one.
    @Test(arguments: BFloat16Products.allCases)
    func bf16FrozenWeightsMatchTheRoundedReference(products: BFloat16Products) throws {
        let fixture = try FixtureFile.load("bf16_qwen3", in: .module).cases[0]
        let model = try Qwen3Fixtures.model(fixture.param("folder").string)
        model.freeze()
        model.storeFrozenWeights(as: .bfloat16, products: products)
        let stored = Set(model.namedParameters().filter { $0.parameter.precision == .bfloat16 }.map(\.key))
        #expect(stored == Set(fixture.param("linear_weights").strings))

        let ids = fixture.input("ids"), mask = fixture.input("mask")
        let embeddings = noGrad { model.embed(ids) }.requiringGrad()
        let logits = try #require(model(inputEmbeddings: embeddings, attentionMask: mask).logits)
        (logits * fixture.input("probe")).sum().backward()
        let errors = BFloat16ModeErrors(output: logits * mask.reshaped(mask.shape + [1]), gradient: try #require(embeddings.grad),
                                        fixture: fixture, products: products)
        print("Qwen3 bf16 weights, \(products) products: \(errors)")
        #expect(errors.unmetChecks.isEmpty, "\(errors.unmetChecks): \(errors)")
    }

    /// `computeLinearProducts(in: .bfloat16)` on a Float32, trainable model: the rounded-inputs reference too.
    @Test func trainableFloat32WeightsWithBFloat16ProductsMatchTheRoundedInputsReference() throws {
        let fixture = try FixtureFile.load("bf16_qwen3", in: .module).cases[0]
        let model = try Qwen3Fixtures.model(fixture.param("folder").string)
        #expect(model.computeLinearProducts(in: .bfloat16) == fixture.param("linear_weights").strings.count)

        let ids = fixture.input("ids"), mask = fixture.input("mask")
        let embeddings = noGrad { model.embed(ids) }.requiringGrad()
        let logits = try #require(model(inputEmbeddings: embeddings, attentionMask: mask).logits)
        (logits * fixture.input("probe")).sum().backward()
        let errors = BFloat16ModeErrors(output: logits * mask.reshaped(mask.shape + [1]), gradient: try #require(embeddings.grad),
                                        fixture: fixture, products: .bfloat16)
        print("Qwen3 Float32 weights, bf16 products: \(errors)")
        #expect(errors.unmetChecks.isEmpty, "\(errors.unmetChecks): \(errors)")
    }

    /// A bf16 checkpoint folder loads into bfloat16 weights as stored: the bits in memory are the file's.
    @Test func bf16CheckpointLoadsUnwidened() throws {
        let folder = Qwen3Fixtures.folder("qwen3_bf16")
        let model = try Qwen3ForCausalLM(contentsOf: folder, frozenWeights: .bfloat16)
        #expect(model.trainableParameters.isEmpty)
        let file = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        var checked = 0
        for (key, p) in model.namedParameters() {
            guard let stored = p.bfloat16Value else { continue }
            #expect(try file.entry(key).dtype == .bf16)
            try file.withUnsafeBytes(of: key) { bytes in
                #expect(stored.bits == Array(bytes.bindMemory(to: UInt16.self)), "\(key)")
            }
            checked += 1
        }
        #expect(checked > 10)
        // The same model loaded the Float32 way holds the same values.
        let wide = try Qwen3ForCausalLM(contentsOf: folder)
        let wideParameters = Dictionary(uniqueKeysWithValues: wide.namedParameters().map { ($0.key, $0.parameter) })
        for (key, p) in model.namedParameters() { #expect(p.value.scalars == wideParameters[key]!.value.scalars, "\(key)") }
    }
}
