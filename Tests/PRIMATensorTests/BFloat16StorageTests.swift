import Foundation
import PRIMATensor
import PRIMATestSupport
import Testing

/// bfloat16 storage (BFloat16Tensor) and products with a bfloat16 weight (BFloat16GEMM, the linear op).
@Suite struct BFloat16StorageTests {
    /// `Scripts/reference/gen_bf16.py`: float32 bit patterns and PyTorch's `.to(torch.bfloat16)` of them.
    struct RoundingFixture: Decodable {
        let float_bits: [UInt32]
        let bfloat16_bits: [UInt16]
    }

    @Test func roundingMatchesPyTorchBitForBit() throws {
        let url = try #require(Bundle.module.url(forResource: "bf16_rounding", withExtension: "json", subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(RoundingFixture.self, from: Data(contentsOf: url))
        #expect(fixture.float_bits.count == fixture.bfloat16_bits.count && fixture.float_bits.count > 500)
        let values = fixture.float_bits.map { Float(bitPattern: $0) }
        let stored = BFloat16Tensor(rounding: Tensor(values))   // eight-lane path and the scalar tail
        var mismatches = 0
        for (i, (got, want)) in zip(stored.bits, fixture.bfloat16_bits).enumerated() where got != want {
            // A NaN only has to stay a NaN: PyTorch 2.15's CPU conversion writes 0xFFFF for every NaN, the
            // package keeps the sign and the top payload bits (as its Float32 → half conversion does).
            let nan = values[i].isNaN && Float(bitPattern: UInt32(got) << 16).isNaN && Float(bitPattern: UInt32(want) << 16).isNaN
            if !nan { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(values.filter { !$0.isNaN }.count >= 590)   // the bit-for-bit part
        #expect(stored.widened().shape == [values.count])
        #expect(stored.byteCount == 2 * values.count)
    }

    @Test func widenedValuesAreTheRoundedOnes() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.randomNormal([5, 7], using: &rng)
        #expect(BFloat16Tensor(rounding: x).widened().scalars == x.roundedToBFloat16().scalars)
    }

    /// A product against a bfloat16 weight equals the Float32 product with the widened weight (the same
    /// values; only the summation order of several blocks may differ).
    @Test(arguments: [(1, 5, 3, 1_000), (7, 9, 4, 8), (6, 33, 17, 40), (3, 4, 0, 16)])
    func blockedProductsMatchTheFloat32Product(m: Int, n: Int, k: Int, tile: Int) {
        var rng = RandomGenerator(seed: UInt64(m * 100 + n))
        let a = Tensor.randomNormal([m, k], using: &rng), g = Tensor.randomNormal([m, n], using: &rng)
        let weight = BFloat16Tensor(rounding: Tensor.randomNormal([n, k], using: &rng))
        let wide = weight.widened()

        let forward = Tensor(repeating: 0.5, shape: [m, n])
        if k > 0 {
            BFloat16GEMM.multiplyTransposed(m: m, n: n, k: k, a: a.storage.pointer, weight: weight.storage.pointer,
                                            c: forward.storage.pointer, ldc: n, beta: 1, tileElements: tile)
        }
        let expectedForward = Tensor.matmul(a, wide, transposeB: true) + 0.5
        #expect(maxScaledError(forward, expectedForward) <= Tolerance.forward)

        let backward = Tensor(uninitializedShape: [m, k])
        BFloat16GEMM.multiply(m: m, n: n, k: k, g: g.storage.pointer, weight: weight.storage.pointer,
                              c: backward.storage.pointer, tileElements: tile)
        if k > 0 { #expect(maxScaledError(backward, Tensor.matmul(g, wide)) <= Tolerance.forward) }
    }

    @Test func linearOpGivesTheFloat32ResultAndGradients() {
        var rng = RandomGenerator(seed: 11)
        let weight = BFloat16Tensor(rounding: Tensor.randomNormal([6, 10], using: &rng))
        let bias = Tensor.randomNormal([6], using: &rng).requiringGrad()
        let x = Tensor.randomNormal([2, 3, 10], using: &rng).requiringGrad()
        let probe = Tensor.randomNormal([2, 3, 6], using: &rng)

        let out = Tensor.linear(x, weight: weight, bias: bias)
        (out * probe).sum().backward()
        let x32 = x.detached().requiringGrad(), bias32 = bias.detached().requiringGrad()
        let reference = Tensor.linear(x32, weight: weight.widened(), bias: bias32)
        (reference * probe).sum().backward()

        #expect(out.shape == [2, 3, 6])
        #expect(maxScaledError(out, reference) <= Tolerance.forward)
        #expect(maxRelativeError(x.grad!, x32.grad!) <= Tolerance.gradient)
        #expect(maxRelativeError(bias.grad!, bias32.grad!) <= Tolerance.gradient)
        // Nothing is recorded for constant inputs.
        #expect(!Tensor.linear(x.detached(), weight: weight).requiresGrad)
    }

    @Test func safetensorsBF16DataIsCopiedAsStored() throws {
        var rng = RandomGenerator(seed: 5)
        let values = Tensor.randomNormal([4, 3], using: &rng)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bf16-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(["w": values], dtype: .bf16, to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(try file.bfloat16Tensor("w").bits == values.bfloat16Bits())
        // F32 data is rounded to nearest even on the way in.
        try SafeTensors.write(["w": values], dtype: .f32, to: url)
        #expect(try SafeTensorsFile(contentsOf: url).bfloat16Tensor("w").bits == values.bfloat16Bits())
    }
}
