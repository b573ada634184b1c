import Foundation
import Testing
import PRIMATensor
import PRIMATestSupport

@Suite struct AttentionTests {
    static let smallCases = try! FixtureFile.load("attention", in: .module)
    static let blockCases = try! FixtureFile.load("attention_blocks", in: .module)

    static func pattern(of c: FixtureCase) -> AttentionPattern {
        let size = c.param("size").int
        switch c.param("pattern").string {
        case "causal": return .causal
        case "bidirectionalWindow": return .bidirectionalWindow(radius: size)
        case "causalWindow": return .causalWindow(size: size)
        default: return .full
        }
    }

    /// Runs one fixture case forward and backward and compares output and every gradient with PyTorch.
    static func checkAgainstPyTorch(_ c: FixtureCase) {
        let q = c.input("query").requiringGrad(), k = c.input("key").requiringGrad(), v = c.input("value").requiringGrad()
        let bias = c.inputs["bias"].map { $0.tensor.requiringGrad() }
        let scale = c.param("scale").isNull ? nil : c.param("scale").float
        let out = Tensor.scaledDotProductAttention(
            query: q, key: k, value: v, keyPaddingMask: c.inputs["keyPaddingMask"]?.tensor, bias: bias,
            pattern: pattern(of: c), scale: scale)
        #expect(maxScaledError(out, c.output()) < Tolerance.forward, "\(c.name) output")
        (out * c.input("probe")).sum().backward()
        #expect(maxRelativeError(q.grad!, c.grad("query")) < Tolerance.gradient, "\(c.name) dQ")
        #expect(maxRelativeError(k.grad!, c.grad("key")) < Tolerance.gradient, "\(c.name) dK")
        #expect(maxRelativeError(v.grad!, c.grad("value")) < Tolerance.gradient, "\(c.name) dV")
        if let bias {
            #expect(maxRelativeError(bias.grad!, c.grad("bias")) < Tolerance.gradient, "\(c.name) dBias")
        }
    }

    @Test(arguments: ["padding", "causal", "causal_more_keys", "bidirectional_window", "causal_window", "gqa",
                      "bias", "bias_per_head", "fully_masked_rows"])
    func matchesPyTorch(_ name: String) {
        Self.checkAgainstPyTorch(Self.smallCases.named(name))
    }

    @Test(arguments: ["blocks_window_gqa", "blocks_causal", "blocks_full_more_keys"])
    func matchesPyTorchAcrossBlocks(_ name: String) {
        Self.checkAgainstPyTorch(Self.blockCases.named(name))
    }

    @Test func rowsWithoutVisibleKeysAreZero() {
        let c = Self.smallCases.named("fully_masked_rows")
        let q = c.input("query").requiringGrad()
        let out = Tensor.scaledDotProductAttention(query: q, key: c.input("key"), value: c.input("value"),
                                                   keyPaddingMask: c.input("keyPaddingMask"), pattern: .causal)
        // Rows 0 and 1 of batch 0 (causal, Lq > Lk) and all of batch 1 (all padding).
        for row in [0, 1] { for j in 0..<4 { #expect(out[0, 0, row, j] == 0) } }
        for row in 0..<6 { for j in 0..<4 { #expect(out[1, 0, row, j] == 0) } }
        out.sum().backward()
        #expect(q.grad!.scalars.allSatisfy { $0.isFinite })
        #expect(q.grad![1, 0, 3, 2] == 0)
    }

    @Test func infiniteBiasMasksLikePadding() {
        var rng = RandomGenerator(seed: 3)
        let q = Tensor.randomNormal([2, 2, 5, 4], using: &rng), k = Tensor.randomNormal([2, 2, 7, 4], using: &rng)
        let v = Tensor.randomNormal([2, 2, 7, 4], using: &rng)
        let keep: [Float] = [1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1]
        let padding = Tensor(shape: [2, 7], scalars: keep)
        let bias = Tensor(shape: [2, 1, 1, 7], scalars: keep.map { $0 == 1 ? 0 : -.infinity }).expanded(to: [2, 1, 5, 7])
        let masked = Tensor.scaledDotProductAttention(query: q, key: k, value: v, keyPaddingMask: padding)
        let biased = Tensor.scaledDotProductAttention(query: q, key: k, value: v, bias: bias)
        #expect(maxScaledError(biased, masked) < Tolerance.forward)
    }

    @Test func matrixBiasBroadcastsOverBatchAndHeads() {
        var rng = RandomGenerator(seed: 7)
        let q = Tensor.randomNormal([2, 3, 4, 4], using: &rng), k = Tensor.randomNormal([2, 3, 6, 4], using: &rng)
        let v = Tensor.randomNormal([2, 3, 6, 4], using: &rng)
        let matrix = Tensor.randomNormal([4, 6], using: &rng).requiringGrad()
        let full = matrix.detached().expanded(to: [2, 3, 4, 6]).requiringGrad()
        let probe = probeWeights([2, 3, 4, 4])
        let viaMatrix = Tensor.scaledDotProductAttention(query: q, key: k, value: v, bias: matrix, pattern: .causal)
        let viaFull = Tensor.scaledDotProductAttention(query: q, key: k, value: v, bias: full, pattern: .causal)
        (viaMatrix * probe).sum().backward()
        (viaFull * probe).sum().backward()
        #expect(maxScaledError(viaMatrix, viaFull) < Tolerance.forward)
        #expect(maxRelativeError(matrix.grad!, full.grad!.sum(axes: [0, 1])) < Tolerance.gradient)
    }

    @Test func groupedQueryAttentionEqualsRepeatedHeads() {
        var rng = RandomGenerator(seed: 4)
        let q = Tensor.randomNormal([1, 4, 9, 8], using: &rng).requiringGrad()
        let k = Tensor.randomNormal([1, 2, 9, 8], using: &rng).requiringGrad()
        let v = Tensor.randomNormal([1, 2, 9, 8], using: &rng).requiringGrad()
        let probe = probeWeights([1, 4, 9, 8])
        let grouped = Tensor.scaledDotProductAttention(query: q, key: k, value: v, pattern: .causalWindow(size: 4))
        (grouped * probe).sum().backward()
        // Head h of the grouped call reads kv head h / 2: repeat each kv head twice.
        let repeatHeads = { (t: Tensor) in t.unsqueezed(2).expanded(to: [1, 2, 2, 9, 8]).reshaped([1, 4, 9, 8]) }
        let q2 = q.detached().requiringGrad(), k2 = k.detached().requiringGrad(), v2 = v.detached().requiringGrad()
        let repeated = Tensor.scaledDotProductAttention(query: q2, key: repeatHeads(k2), value: repeatHeads(v2),
                                                        pattern: .causalWindow(size: 4))
        (repeated * probe).sum().backward()
        #expect(maxScaledError(grouped, repeated) < Tolerance.forward)
        #expect(maxRelativeError(q.grad!, q2.grad!) < Tolerance.gradient)
        #expect(maxRelativeError(k.grad!, k2.grad!) < Tolerance.gradient)
        #expect(maxRelativeError(v.grad!, v2.grad!) < Tolerance.gradient)
    }

    /// Textbook attention for one head in Double: output and the gradients of `sum(out * probe)`.
    /// `keep[i][j]` says whether query `i` sees key `j`.
    static func attentionInDouble(q: [Double], k: [Double], v: [Double], probe: [Double], keep: [[Bool]],
                                  lq: Int, lk: Int, d: Int, scale: Double)
        -> (out: [Double], dq: [Double], dk: [Double], dv: [Double]) {
        var out = [Double](repeating: 0, count: lq * d), dq = out
        var dk = [Double](repeating: 0, count: lk * d), dv = dk
        for i in 0..<lq {
            var s = [Double](repeating: -.infinity, count: lk)
            for j in 0..<lk where keep[i][j] {
                s[j] = scale * (0..<d).reduce(0) { $0 + q[i * d + $1] * k[j * d + $1] }
            }
            let m = s.max()!
            var p = s.map { m == -.infinity ? 0 : Foundation.exp($0 - m) }
            let total = p.reduce(0, +)
            if total > 0 { p = p.map { $0 / total } }
            let dOut = Array(probe[(i * d)..<((i + 1) * d)])
            var dp = [Double](repeating: 0, count: lk)
            for j in 0..<lk {
                for c in 0..<d {
                    out[i * d + c] += p[j] * v[j * d + c]
                    dv[j * d + c] += p[j] * dOut[c]
                    dp[j] += dOut[c] * v[j * d + c]
                }
            }
            let delta = (0..<lk).reduce(0) { $0 + p[$1] * dp[$1] }
            for j in 0..<lk {
                let ds = p[j] * (dp[j] - delta) * scale
                for c in 0..<d {
                    dq[i * d + c] += ds * k[j * d + c]
                    dk[j * d + c] += ds * q[i * d + c]
                }
            }
        }
        return (out, dq, dk, dv)
    }

    /// Head size 128 uses 32-key blocks: compare with textbook attention in Double across several blocks.
    @Test func largeHeadDimensionMatchesAttentionInDouble() {
        var rng = RandomGenerator(seed: 5)
        let (lq, lk, d) = (70, 75, 128)
        let q = Tensor.randomNormal([1, 1, lq, d], using: &rng).requiringGrad()
        let k = Tensor.randomNormal([1, 1, lk, d], using: &rng).requiringGrad()
        let v = Tensor.randomNormal([1, 1, lk, d], using: &rng).requiringGrad()
        let probe = probeWeights([1, 1, lq, d])
        let fused = Tensor.scaledDotProductAttention(query: q, key: k, value: v, pattern: .causal)
        (fused * probe).sum().backward()
        let keep = (0..<lq).map { i in (0..<lk).map { j in j <= i + lk - lq } }
        let toDouble = { (t: Tensor) in t.scalars.map(Double.init) }
        let exact = Self.attentionInDouble(q: toDouble(q), k: toDouble(k), v: toDouble(v), probe: toDouble(probe),
                                           keep: keep, lq: lq, lk: lk, d: d, scale: 1 / Double(d).squareRoot())
        let toTensor = { (x: [Double], t: Tensor) in Tensor(shape: t.shape, scalars: x.map(Float.init)) }
        #expect(maxScaledError(fused, toTensor(exact.out, fused)) < Tolerance.forward)
        #expect(maxRelativeError(q.grad!, toTensor(exact.dq, q)) < Tolerance.longReductionGradient)
        #expect(maxRelativeError(k.grad!, toTensor(exact.dk, k)) < Tolerance.longReductionGradient)
        #expect(maxRelativeError(v.grad!, toTensor(exact.dv, v)) < Tolerance.longReductionGradient)
    }

    @Test func gradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 6)
        let q = Tensor.randomNormal([1, 2, 4, 3], using: &rng), k = Tensor.randomNormal([1, 1, 5, 3], using: &rng)
        let v = Tensor.randomNormal([1, 1, 5, 3], using: &rng), bias = Tensor.randomNormal([1, 2, 4, 5], using: &rng)
        let padding = Tensor(shape: [1, 5], scalars: [1, 1, 1, 0, 1])
        let probe = probeWeights([1, 2, 4, 3])
        func loss(_ q: Tensor, _ k: Tensor, _ v: Tensor, _ bias: Tensor) -> Tensor {
            let out = Tensor.scaledDotProductAttention(query: q, key: k, value: v, keyPaddingMask: padding, bias: bias,
                                                       pattern: .bidirectionalWindow(radius: 2), scale: 0.7)
            return (out * probe).sum()
        }
        let cases: [(Tensor, (Tensor) -> Tensor)] = [
            (q, { loss($0, k, v, bias) }), (k, { loss(q, $0, v, bias) }),
            (v, { loss(q, k, $0, bias) }), (bias, { loss(q, k, v, $0) }),
        ]
        for (x, f) in cases {
            let ad = autodiffGradient(of: f, at: x), fd = finiteDifferenceGradient(of: f, at: x)
            #expect(maxRelativeError(ad, fd, floor: 1e-1) < Tolerance.finiteDifference)
        }
    }
}
