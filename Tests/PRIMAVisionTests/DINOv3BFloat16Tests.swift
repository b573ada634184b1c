import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing
@testable import PRIMAVision

/// DINOv3 with its frozen Linear weights stored in bfloat16, against Scripts/reference/gen_bf16.py.
@Suite struct DINOv3BFloat16Tests {
    /// Float32 products against the rounded-weight reference, bf16 products against the rounded-inputs one.
    @Test(arguments: BFloat16Products.allCases)
    func bf16FrozenWeightsMatchTheRoundedReference(products: BFloat16Products) throws {
        let fixture = try FixtureFile.load("bf16_dinov3", in: .module).cases[0]
        let model = try DINOv3Fixtures.model(fixture.param("folder").string)
        model.freeze()
        model.storeFrozenWeights(as: .bfloat16, products: products)
        // The same weights as the reference rounds: those of every nn.Linear (transformers keeps the layers
        // under `model.layer.N` in memory, `layer.N` in checkpoints).
        let rounded = Set(fixture.param("linear_weights").strings.map { $0.hasPrefix("model.layer.") ? String($0.dropFirst(6)) : $0 })
        let stored = Set(model.namedParameters().filter { $0.parameter.precision == .bfloat16 }.map(\.key))
        #expect(stored == rounded)

        let pixels = fixture.input("pixels").requiringGrad()
        let out = model(pixels).lastHiddenState
        (out * fixture.input("probe")).sum().backward()
        let errors = BFloat16ModeErrors(output: out, gradient: try #require(pixels.grad), fixture: fixture, products: products)
        print("DINOv3 bf16 weights, \(products) products: \(errors)")
        #expect(errors.unmetChecks.isEmpty, "\(errors.unmetChecks): \(errors)")
    }

    /// `computeLinearProducts(in: .bfloat16)` on a Float32, trainable model rounds each weight per call: the same
    /// products as the bf16-stored frozen mode, so the same rounded-inputs reference. The weights get gradients.
    @Test func trainableFloat32WeightsWithBFloat16ProductsMatchTheRoundedInputsReference() throws {
        let fixture = try FixtureFile.load("bf16_dinov3", in: .module).cases[0]
        let model = try DINOv3Fixtures.model(fixture.param("folder").string)
        let linears = model.computeLinearProducts(in: .bfloat16)
        #expect(linears == fixture.param("linear_weights").strings.count)

        let pixels = fixture.input("pixels").requiringGrad()
        let out = model(pixels).lastHiddenState
        (out * fixture.input("probe")).sum().backward()
        let errors = BFloat16ModeErrors(output: out, gradient: try #require(pixels.grad), fixture: fixture, products: .bfloat16)
        print("DINOv3 Float32 weights, bf16 products: \(errors)")
        #expect(errors.unmetChecks.isEmpty, "\(errors.unmetChecks): \(errors)")
        #expect(model.namedParameters().filter { $0.key.hasSuffix("proj.weight") }.allSatisfy { $0.parameter.grad != nil })
    }
}
