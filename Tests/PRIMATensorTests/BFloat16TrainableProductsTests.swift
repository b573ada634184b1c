import CPRIMAOneDNN
import Foundation
@testable import PRIMATensor
import PRIMATestSupport
import Testing

/// ``BFloat16Products/bfloat16`` on Float32 weights (a trainable `nn.Linear` under autocast): every operand of
/// every product rounded, Float32 accumulation. And LoRA through the merged weight of a bfloat16 base.
@Suite struct BFloat16TrainableProductsTests {
    static let paths: [Bool] = prima_bf16_gemm_is_native() != 0 ? [false, true] : [false]

    private func rounded(_ values: [Float]) -> [Double] { BFloat16Reference.rounded(values) }

    private func product(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int,
                         transposeA: Bool = false, transposeB: Bool = false) -> [Double] {
        BFloat16Reference.product(a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
    }

    private func error(_ got: [Float], _ want: [Double]) -> Double { BFloat16Reference.normwiseError(got, want) }

    /// Shapes `(outputs m, inputs n, batch rows k)`: one call; more inputs than outputs (C split by columns);
    /// more outputs than inputs (split by rows).
    @Test(arguments: [(5, 7, 9), (48, 384, 200), (384, 64, 120)], paths)
    func weightGradientProductRoundsBothOperands(shape: (Int, Int, Int), native: Bool) {
        let (m, n, k) = shape
        var rng = RandomGenerator(seed: UInt64(m + 3 * n))
        let g = Tensor.randomNormal([k, m], using: &rng), x = Tensor.randomNormal([k, n], using: &rng)
        let rg = BFloat16Tensor(rounding: g), rx = BFloat16Tensor(rounding: x)
        let c = Tensor(repeating: .nan, shape: [m, n])   // overwritten, never read
        BFloat16GEMM.multiplyTransposingFirst(m: m, n: n, k: k, roundedG: rg.storage.pointer, roundedX: rx.storage.pointer,
                                              c: c.storage.pointer, native: native)
        let want = product(rounded(g.scalars), rounded(x.scalars), m: m, n: n, k: k, transposeA: true)
        #expect(error(c.scalars, want) <= 1e-6)
    }

    /// A trainable Float32 Linear: output, input, weight and bias gradients are the products of rounded
    /// operands (bias gradient unrounded), and differ measurably from the Float32 op's.
    @Test func float32WeightLinearRoundsEveryOperand() {
        var rng = RandomGenerator(seed: 29)
        let (rows, inputs, outputs) = (40, 72, 24)
        let w = Tensor.randomNormal([outputs, inputs], using: &rng).requiringGrad()
        let bias = Tensor.randomNormal([outputs], using: &rng).requiringGrad()
        let x = Tensor.randomNormal([4, rows / 4, inputs], using: &rng).requiringGrad()
        let probe = Tensor.randomNormal([4, rows / 4, outputs], using: &rng)
        let out = Tensor.linear(x, weight: w, bias: bias, products: .bfloat16)
        (out * probe).sum().backward()

        let (rx, rw, rp) = (rounded(x.scalars), rounded(w.scalars), rounded(probe.scalars))
        let forward = product(rx, rw, m: rows, n: outputs, k: inputs, transposeB: true)
            .enumerated().map { $0.element + Double(bias.scalars[$0.offset % outputs]) }
        #expect(error(out.scalars, forward) <= 1e-6)
        #expect(error(x.grad!.scalars, product(rp, rw, m: rows, n: inputs, k: outputs)) <= 1e-6)
        #expect(error(w.grad!.scalars, product(rp, rx, m: outputs, n: inputs, k: rows, transposeA: true)) <= 1e-6)
        let biasGrad = (0..<outputs).map { j in (0..<rows).reduce(0.0) { $0 + Double(probe.scalars[$1 * outputs + j]) } }
        #expect(error(bias.grad!.scalars, biasGrad) <= 1e-6)

        // The Float32 op on the same operands is measurably different: the test sees the rounding.
        let exact = noGrad { Tensor.linear(x, weight: w, bias: bias) }
        #expect(error(exact.scalars, forward) > 1e-5)
        // Nothing requiring a gradient: no tape, same values.
        let constant = Tensor.linear(x.detached(), weight: w.detached(), bias: bias.detached(), products: .bfloat16)
        #expect(!constant.requiresGrad && constant.scalars == out.scalars)
    }

    /// Only the input trains (a frozen Float32 weight under bf16 products): the weight's gradient is not
    /// computed and the rounded input is not kept; the input's gradient is the same product as before.
    @Test func frozenFloat32WeightGetsNoGradient() {
        var rng = RandomGenerator(seed: 31)
        let w = Tensor.randomNormal([16, 20], using: &rng)
        let x = Tensor.randomNormal([6, 20], using: &rng).requiringGrad()
        let probe = Tensor.randomNormal([6, 16], using: &rng)
        (Tensor.linear(x, weight: w, products: .bfloat16) * probe).sum().backward()
        #expect(error(x.grad!.scalars, product(rounded(probe.scalars), rounded(w.scalars), m: 6, n: 20, k: 16)) <= 1e-6)
    }

    /// With Float32 products a bfloat16 base now goes through the merged weight too: equal to the base product
    /// plus the adapter's own products.
    @Test func bfloat16BaseMergedProductEqualsTheSeparateOne() {
        var rng = RandomGenerator(seed: 43)
        let base = BFloat16Tensor(rounding: Tensor.randomNormal([32, 24], using: &rng))
        let down = Tensor.randomNormal([3, 24], using: &rng).requiringGrad()
        let up = Tensor.randomNormal([32, 3], using: &rng).requiringGrad()
        let x = Tensor.randomNormal([50, 24], using: &rng).requiringGrad()
        let merged = Tensor.lowRankAdaptedLinear(x, weight: base, down: down, up: up, scaling: 0.5)
        let separate = Tensor.linear(x, weight: base) + Tensor.linear(Tensor.linear(x, weight: down), weight: up) * 0.5
        #expect(maxNormwiseRelativeError(merged, separate) <= 1e-6)
        merged.sum().backward()
        let mergedGrads = [x.grad!, down.grad!, up.grad!]
        x.zeroGrad(); down.zeroGrad(); up.zeroGrad()
        separate.sum().backward()
        for (a, b) in zip(mergedGrads, [x.grad!, down.grad!, up.grad!]) { #expect(maxNormwiseRelativeError(a, b) <= 1e-5) }
    }
}
