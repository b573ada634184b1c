import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing
@testable import PRIMAText

/// ModernBERT with its frozen Linear weights stored in bfloat16, against Scripts/reference/gen_bf16.py.
@Suite struct ModernBERTBFloat16Tests {
    /// Float32 products against the rounded-weight reference, bf16 products against the rounded-inputs one.
    @Test(arguments: BFloat16Products.allCases)
    func bf16FrozenWeightsMatchTheRoundedReference(products: BFloat16Products) throws {
        let fixture = try FixtureFile.load("bf16_modernbert", in: .module).cases[0]
        let model = try ModernBERTModel(contentsOf: EncoderFixtures.folder(fixture.param("folder").string))
        model.eval()
        model.freeze()
        model.storeFrozenWeights(as: .bfloat16, products: products)
        let stored = Set(model.namedParameters().filter { $0.parameter.precision == .bfloat16 }.map(\.key))
        #expect(stored == Set(fixture.param("linear_weights").strings))
        // The forward starts from token ids: the gradient reaching the input is the embedding table's.
        let table = try #require(model.namedParameters().first { $0.key == "embeddings.tok_embeddings.weight" }).parameter
        table.isFrozen = false

        let out = model(fixture.input("ids"), mask: fixture.input("mask"))
        (out * fixture.input("probe")).sum().backward()
        let errors = BFloat16ModeErrors(output: out, gradient: try #require(table.grad), fixture: fixture, products: products)
        print("ModernBERT bf16 weights, \(products) products: \(errors)")
        #expect(errors.unmetChecks.isEmpty, "\(errors.unmetChecks): \(errors)")
    }

    /// `computeLinearProducts(in: .bfloat16)` on a Float32, trainable model: the rounded-inputs reference too.
    @Test func trainableFloat32WeightsWithBFloat16ProductsMatchTheRoundedInputsReference() throws {
        let fixture = try FixtureFile.load("bf16_modernbert", in: .module).cases[0]
        let model = try ModernBERTModel(contentsOf: EncoderFixtures.folder(fixture.param("folder").string))
        model.eval()
        #expect(model.computeLinearProducts(in: .bfloat16) == fixture.param("linear_weights").strings.count)
        let table = try #require(model.namedParameters().first { $0.key == "embeddings.tok_embeddings.weight" }).parameter

        let out = model(fixture.input("ids"), mask: fixture.input("mask"))
        (out * fixture.input("probe")).sum().backward()
        let errors = BFloat16ModeErrors(output: out, gradient: try #require(table.grad), fixture: fixture, products: .bfloat16)
        print("ModernBERT Float32 weights, bf16 products: \(errors)")
        #expect(errors.unmetChecks.isEmpty, "\(errors.unmetChecks): \(errors)")
    }
}
