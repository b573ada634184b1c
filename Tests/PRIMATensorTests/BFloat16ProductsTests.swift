import CPRIMAOneDNN
import Foundation
@testable import PRIMATensor
import PRIMATestSupport
import Testing

/// ``BFloat16Products/bfloat16``: products whose Float32 operand is rounded to bf16 too (PyTorch autocast's
/// `nn.Linear`), on oneDNN's native kernel where the CPU has one and by widening elsewhere.
@Suite struct BFloat16ProductsTests {
    /// The two paths this machine can run: widening always, the native kernel where the CPU has it.
    static let paths: [Bool] = prima_bf16_gemm_is_native() != 0 ? [false, true] : [false]

    /// `Σ_p A[i, p] · B(p, j)` in Float64 over bf16-rounded operands (B(p, j) = W[j, p] or W[p, j]).
    private func reference(_ a: [Float], _ w: [Float], m: Int, n: Int, k: Int, weightTransposed: Bool) -> [Double] {
        BFloat16Reference.product(BFloat16Reference.rounded(a), BFloat16Reference.rounded(w), m: m, n: n, k: k,
                                  transposeB: weightTransposed)
    }

    private func normwiseError(_ got: [Float], _ want: [Double]) -> Double { BFloat16Reference.normwiseError(got, want) }

    /// Shapes: small (one call, no split), tall (C split by rows), wide with few rows (split by columns).
    @Test(arguments: [(5, 7, 9), (200, 96, 128), (32, 512, 160)], paths)
    func forwardProductRoundsBothOperands(shape: (Int, Int, Int), native: Bool) {
        let (m, n, k) = shape
        var rng = RandomGenerator(seed: UInt64(m * 7 + n))
        let a = Tensor.randomNormal([m, k], using: &rng), w = Tensor.randomNormal([n, k], using: &rng)
        let weight = BFloat16Tensor(rounding: w)
        let ldc = n + 3   // C inside a wider buffer: the padding must stay untouched
        let c = Tensor(repeating: 0.5, shape: [m, ldc])
        BFloat16GEMM.multiplyTransposedRoundingInputs(m: m, n: n, k: k, a: a.storage.pointer, weight: weight.storage.pointer,
                                                      c: c.storage.pointer, ldc: ldc, beta: 1, native: native,
                                                      tileElements: BFloat16GEMM.tileElements)
        let product = reference(a.scalars, w.scalars, m: m, n: n, k: k, weightTransposed: true)
        let got = c.scalars
        let inside = (0..<m).flatMap { i in (0..<n).map { got[i * ldc + $0] } }
        #expect(normwiseError(inside, product.map { $0 + 0.5 }) <= 1e-6)
        #expect((0..<m).allSatisfy { i in (n..<ldc).allSatisfy { got[i * ldc + $0] == 0.5 } })

        // The Float32-activation product differs by the activations' rounding: this test can tell them apart.
        let exact = Tensor(uninitializedShape: [m, n])
        BFloat16GEMM.multiplyTransposed(m: m, n: n, k: k, a: a.storage.pointer, weight: weight.storage.pointer,
                                        c: exact.storage.pointer, ldc: n, beta: 0)
        #expect(normwiseError(exact.scalars, product) > 1e-5)
    }

    @Test(arguments: [(5, 7, 9), (200, 96, 128), (16, 384, 40)], paths)
    func inputGradientProductRoundsBothOperands(shape: (Int, Int, Int), native: Bool) {
        let (m, n, k) = shape   // G [m, n] · W [n, k]
        var rng = RandomGenerator(seed: UInt64(m * 11 + k))
        let g = Tensor.randomNormal([m, n], using: &rng), w = Tensor.randomNormal([n, k], using: &rng)
        let weight = BFloat16Tensor(rounding: w)
        let c = Tensor(repeating: .nan, shape: [m, k])   // overwritten, never read
        BFloat16GEMM.multiplyRoundingInputs(m: m, n: n, k: k, g: g.storage.pointer, weight: weight.storage.pointer,
                                            c: c.storage.pointer, native: native, tileElements: BFloat16GEMM.tileElements)
        #expect(normwiseError(c.scalars, reference(g.scalars, w.scalars, m: m, n: k, k: n, weightTransposed: false)) <= 1e-6)
    }

    @Test func linearOpRoundsInputAndOutputGradient() {
        var rng = RandomGenerator(seed: 19)
        let w = Tensor.randomNormal([6, 10], using: &rng)
        let weight = BFloat16Tensor(rounding: w)
        let bias = Tensor.randomNormal([6], using: &rng).requiringGrad()
        let x = Tensor.randomNormal([2, 3, 10], using: &rng).requiringGrad()
        let probe = Tensor.randomNormal([2, 3, 6], using: &rng)
        let out = Tensor.linear(x, weight: weight, bias: bias, products: .bfloat16)
        (out * probe).sum().backward()

        let forward = reference(x.scalars, w.scalars, m: 6, n: 6, k: 10, weightTransposed: true)
        let withBias = forward.enumerated().map { $0.element + Double(bias.scalars[$0.offset % 6]) }
        #expect(normwiseError(out.scalars, withBias) <= 1e-6)
        let wRows = w.scalars   // dX = round(probe) · W
        #expect(normwiseError(x.grad!.scalars, reference(probe.scalars, wRows, m: 6, n: 10, k: 6, weightTransposed: false)) <= 1e-6)
        // The bias gradient is the Float32 sum of the unrounded probe.
        let biasGrad = (0..<6).map { j in (0..<6).reduce(0.0) { $0 + Double(probe.scalars[$1 * 6 + j]) } }
        #expect(normwiseError(bias.grad!.scalars, biasGrad) <= 1e-6)
    }

    /// Two branches multiplying at the same time (as the two views of a stage-2 step do) share the cached
    /// primitives but not their scratch: each gets its own exact product.
    @Test(arguments: paths)
    func concurrentProductsDoNotInterfere(native: Bool) {
        let (m, n, k) = (96, 64, 80)
        var rng = RandomGenerator(seed: 23)
        let inputs = (0..<2).map { _ in Tensor.randomNormal([m, k], using: &rng) }
        let w = Tensor.randomNormal([n, k], using: &rng)
        let weight = BFloat16Tensor(rounding: w)
        for _ in 0..<3 {
            let outputs = Parallel.branches(2) { branch -> [Float] in
                let c = Tensor(uninitializedShape: [m, n])
                BFloat16GEMM.multiplyTransposedRoundingInputs(m: m, n: n, k: k, a: inputs[branch].storage.pointer,
                                                              weight: weight.storage.pointer, c: c.storage.pointer,
                                                              ldc: n, beta: 0, native: native,
                                                              tileElements: BFloat16GEMM.tileElements)
                return c.scalars
            }
            for branch in 0..<2 {
                let want = reference(inputs[branch].scalars, w.scalars, m: m, n: n, k: k, weightTransposed: true)
                #expect(normwiseError(outputs[branch], want) <= 1e-6)
            }
        }
    }

    /// The C entry point refuses what it cannot do (and writes nothing), which the Swift side answers by
    /// widening; only meaningful where the native kernel exists.
    @Test(.enabled(if: prima_bf16_gemm_is_native() != 0))
    func nativeKernelRefusesUnsupportedArguments() {
        let a = [UInt16](repeating: 0x3F80, count: 4), b = [UInt16](repeating: 0x3F80, count: 4)   // ones
        var c = [Float](repeating: 7, count: 4)
        #expect(prima_bf16_gemm(0, 0, 2, 2, 2, a, 2, b, 2, 0.5, &c, 2) != 0)   // beta other than 0 or 1
        #expect(c == [7, 7, 7, 7])
        #expect(prima_bf16_gemm(0, 0, 2, 2, 2, a, 2, b, 2, 1, &c, 2) == 0)
        #expect(c == [9, 9, 9, 9])
    }
}
