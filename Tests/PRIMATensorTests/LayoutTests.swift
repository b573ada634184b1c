import PRIMATensor
import PRIMATestSupport
import Testing

/// reshape, permute, transpose, expand, narrow/slice, concat, stack, split/chunk, pad against PyTorch.
@Suite struct LayoutTests {
    static let file = CoreFixtures.load("core_layout")

    static func apply(_ c: FixtureCase, _ inputs: [String: Tensor]) -> [Tensor] {
        let op = c.param("op").string
        switch op {
        case "reshape": return [inputs["x"]!.reshaped(c.param("shape").ints)]
        case "permute": return [inputs["x"]!.permuted(c.param("order").ints)]
        case "transpose":
            let axes = c.param("axes").ints
            return [inputs["x"]!.transposed(axes[0], axes[1])]
        case "expand": return [inputs["x"]!.expanded(to: c.param("shape").ints)]
        case "narrow":
            return [inputs["x"]!.narrowed(axis: c.param("axis").int, start: c.param("start").int, length: c.param("length").int)]
        case "slice": return [inputs["x"]!.slice(axis: c.param("axis").int, c.param("start").int..<c.param("end").int)]
        case "concat": return [Tensor.concat([inputs["a"]!, inputs["b"]!, inputs["c"]!], axis: c.param("axis").int)]
        case "stack": return [Tensor.stack([inputs["a"]!, inputs["b"]!, inputs["c"]!], axis: c.param("axis").int)]
        case "split": return inputs["x"]!.split(sizes: c.param("sizes").ints, axis: c.param("axis").int)
        case "chunk": return inputs["x"]!.chunked(c.param("chunks").int, axis: c.param("axis").int)
        case "pad": return [inputs["x"]!.padded(c.param("pads").ints, value: c.param("value").float)]
        case "unsqueeze": return [inputs["x"]!.unsqueezed(c.param("axis").int)]
        case "squeeze": return [inputs["x"]!.squeezed(c.param("axis").int)]
        case "flatten": return [inputs["x"]!.flattened(from: c.param("start").int, to: c.param("end").int)]
        default: fatalError("unknown layout op \(op)")
        }
    }

    @Test func layoutOpsMatchPyTorch() {
        var worst = WorstErrors()
        #expect(Self.file.cases.count >= 25)
        for c in Self.file.cases {
            worst.merge(CoreFixtures.check(c) { Self.apply(c, $0) })
        }
        worst.report("layout")
    }

    @Test func reshapeSharesStorageAndIdentityOpsReturnTheInput() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let r = x.reshaped([3, 2])
        #expect(r.storage === x.storage)
        #expect(x.permuted([0, 1]).storage === x.storage)
        #expect(x.expanded(to: [2, 3]).storage === x.storage)
        #expect(x.narrowed(axis: 1, start: 0, length: 3).storage === x.storage)
    }

    @Test func largePermuteAndExpandAgreeWithIndexArithmetic() {
        var rng = RandomGenerator(seed: 4)
        let x = Tensor.randomNormal([8, 33, 65], using: &rng)
        let p = x.permuted([2, 0, 1])
        let e = x.narrowed(axis: 1, start: 0, length: 1).expanded(to: [8, 129, 65])
        var mismatches = 0
        for i in 0..<8 {
            for j in 0..<33 {
                for k in 0..<65 where p[k, i, j] != x[i, j, k] { mismatches += 1 }
            }
            for j in 0..<129 {
                for k in 0..<65 where e[i, j, k] != x[i, 0, k] { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    /// Last-axis transposes take the tiled copy (forward, and backward through the inverse permutation).
    @Test func largeTransposeAndItsGradientAgreeWithIndexArithmetic() {
        var rng = RandomGenerator(seed: 6)
        let x = Tensor.randomNormal([3, 40, 50], using: &rng).requiringGrad()
        let probe = Tensor.randomNormal([3, 50, 40], using: &rng)
        let t = x.transposed()
        (t * probe).sum().backward()
        let grad = x.grad!
        var mismatches = 0
        for b in 0..<3 {
            for i in 0..<40 {
                for j in 0..<50 {
                    if t[b, j, i] != x[b, i, j] { mismatches += 1 }
                    if grad[b, i, j] != probe[b, j, i] { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0)
    }
}
