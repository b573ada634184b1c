import Foundation
import Testing
import PRIMATensor
import PRIMATestSupport

/// The softmax / norm / loss / similarity fixtures, parsed once (Scripts/reference/gen_neural.py).
let neuralFixtures = Result { try FixtureFile.load("neural", in: .module) }

@Suite struct NeuralOpTests {
    // MARK: Softmax

    @Test(arguments: ["last_2d", "last_tail", "axis1_rank3", "axis0_rank3", "last_rank4"])
    func softmaxAndLogSoftmaxMatchPyTorch(_ layout: String) throws {
        let fixtures = try neuralFixtures.get()
        let soft = fixtures.named("softmax_\(layout)"), log = fixtures.named("log_softmax_\(layout)")
        expectMatchesReference(soft, differentiable: ["x"]) { $0[0].softmax(axis: soft.param("axis").int) }
        expectMatchesReference(log, differentiable: ["x"]) { $0[0].logSoftmax(axis: log.param("axis").int) }
    }

    @Test func softmaxWithMaskedEntriesMatchesPyTorch() throws {
        let c = try neuralFixtures.get().named("softmax_masked")
        expectMatchesReference(c, differentiable: ["x"]) { $0[0].maskedFill(c.input("mask"), with: -.infinity).softmax() }
    }

    @Test func softmaxGradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.randomNormal([3, 4, 5], using: &rng)
        for axis in [-1, 0, 1] {
            expectFiniteDifferencesAgree(at: x, { $0.softmax(axis: axis) }, "softmax axis \(axis)")
            expectFiniteDifferencesAgree(at: x, { $0.logSoftmax(axis: axis) }, "logSoftmax axis \(axis)")
        }
    }

    @Test func softmaxOfALargeTensorSplitAcrossThreadsEqualsRowByRow() {
        var rng = RandomGenerator(seed: 12)
        let x = Tensor.randomNormal([64, 3, 700], std: 4, using: &rng)
        let whole = x.softmax()
        let row = x.narrowed(axis: 0, start: 37, length: 1).softmax()
        #expect(maxScaledError(whole.narrowed(axis: 0, start: 37, length: 1), row) == 0)
        let sums = whole.sum(axis: -1)
        #expect(sums.scalars.allSatisfy { Swift.abs($0 - 1) < Tolerance.forward })
    }

    // MARK: Normalisation

    @Test(arguments: ["wb", "w", "b", "none", "wb_wide"])
    func layerNormMatchesPyTorch(_ variant: String) throws {
        let c = try neuralFixtures.get().named("layer_norm_\(variant)")
        let names = ["x", "weight", "bias"].filter { c.inputs[$0] != nil }
        expectMatchesReference(c, differentiable: names) { leaves in
            let byName = Dictionary(uniqueKeysWithValues: zip(names, leaves))
            return byName["x"]!.layerNorm(weight: byName["weight"], bias: byName["bias"], eps: c.param("eps").float)
        }
    }

    @Test(arguments: ["w", "none", "w_wide"])
    func rmsNormMatchesPyTorch(_ variant: String) throws {
        let c = try neuralFixtures.get().named("rms_norm_\(variant)")
        let names = ["x", "weight"].filter { c.inputs[$0] != nil }
        expectMatchesReference(c, differentiable: names) { leaves in
            leaves[0].rmsNorm(weight: leaves.count > 1 ? leaves[1] : nil, eps: c.param("eps").float)
        }
    }

    @Test func normGradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 13)
        let x = Tensor.randomNormal([3, 7], std: 2, using: &rng)
        let w = Tensor.randomNormal([7], using: &rng), b = Tensor.randomNormal([7], using: &rng)
        expectFiniteDifferencesAgree(at: x, { $0.layerNorm(weight: w, bias: b) }, "layerNorm dx")
        expectFiniteDifferencesAgree(at: w, { x.layerNorm(weight: $0, bias: b) }, "layerNorm dweight")
        expectFiniteDifferencesAgree(at: b, { x.layerNorm(weight: w, bias: $0) }, "layerNorm dbias")
        expectFiniteDifferencesAgree(at: x, { $0.rmsNorm(weight: w) }, "rmsNorm dx")
        expectFiniteDifferencesAgree(at: w, { x.rmsNorm(weight: $0) }, "rmsNorm dweight")
    }

    /// Many rows: the weight and bias gradients are accumulated per row block on several threads, then summed.
    /// Reference: the same sums in double precision.
    @Test func layerNormParameterGradientsOverManyRowsMatchADoubleReference() {
        var rng = RandomGenerator(seed: 14)
        let (rows, cols) = (600, 256)
        let x = Tensor.randomNormal([300, 2, cols], using: &rng)
        let w = Tensor.randomNormal([cols], using: &rng).requiringGrad(), b = Tensor.randomNormal([cols], using: &rng).requiringGrad()
        let probe = probeWeights(x.shape)
        (x.layerNorm(weight: w, bias: b) * probe).sum().backward()
        let xs = x.scalars.map(Double.init), ps = probe.scalars.map(Double.init)
        var dweight = [Double](repeating: 0, count: cols), dbias = [Double](repeating: 0, count: cols)
        for r in 0..<rows {
            let row = xs[(r * cols)..<((r + 1) * cols)]
            let mean = row.reduce(0, +) / Double(cols)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(cols)
            let rstd = 1 / (variance + 1e-5).squareRoot()
            for j in 0..<cols {
                dweight[j] += ps[r * cols + j] * (xs[r * cols + j] - mean) * rstd
                dbias[j] += ps[r * cols + j]
            }
        }
        // Scaled (not relative) error: a 600-term float sum carries an absolute error set by its terms, not by
        // its possibly cancelling result; PyTorch's own float32 layer norm reaches 1.3e-4 relative error here.
        #expect(maxScaledError(w.grad!, Tensor(dweight.map(Float.init))) < Tolerance.gradient)
        #expect(maxScaledError(b.grad!, Tensor(dbias.map(Float.init))) < Tolerance.gradient)
    }

    // MARK: Cross-entropy

    @Test(arguments: ["ce_hard_mean", "ce_hard_weighted_smoothed_mean", "ce_hard_weighted_smoothed_sum",
                      "ce_hard_weighted_smoothed_none", "ce_hard_ignore_class", "ce_hard_kdim", "ce_hard_kdim_none",
                      "ce_hard_unbatched", "ce_soft_mean", "ce_soft_weighted_smoothed_mean", "ce_soft_weighted_sum",
                      "ce_soft_none", "ce_soft_kdim"])
    func crossEntropyMatchesPyTorch(_ name: String) throws {
        let c = try neuralFixtures.get().named(name)
        let soft = c.grads?["targets"] != nil
        let reduction = LossReduction(rawValue: c.param("reduction").string)!
        expectMatchesReference(c, differentiable: soft ? ["logits", "targets"] : ["logits"]) { leaves in
            Tensor.crossEntropy(logits: leaves[0], targets: soft ? leaves[1] : c.input("targets"),
                                weights: c.inputs["weights"]?.tensor, ignoreIndex: c.param("ignore_index").int,
                                labelSmoothing: c.param("label_smoothing").float, reduction: reduction)
        }
    }

    @Test func crossEntropyGradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 15)
        let logits = Tensor.randomNormal([4, 6], std: 2, using: &rng)
        let labels = Tensor([2, -100, 5, 0])
        let weights = Tensor.randomUniform([6], low: 0.3, high: 1.5, using: &rng)
        expectFiniteDifferencesAgree(at: logits, {
            Tensor.crossEntropy(logits: $0, targets: labels, weights: weights, labelSmoothing: 0.1)
        }, "crossEntropy hard")
        let soft = Tensor.randomUniform([4, 6], using: &rng).softmax()
        expectFiniteDifferencesAgree(at: logits, {
            Tensor.crossEntropy(logits: $0, targets: soft, weights: weights, labelSmoothing: 0.2, reduction: .sum)
        }, "crossEntropy soft, logits")
        expectFiniteDifferencesAgree(at: soft, {
            Tensor.crossEntropy(logits: logits, targets: $0, weights: weights, labelSmoothing: 0.2, reduction: .none)
        }, "crossEntropy soft, targets")
    }

    @Test func crossEntropyOfOnlyIgnoredTargetsIsNaNLikePyTorch() {
        let loss = Tensor.crossEntropy(logits: Tensor.zeros([2, 3]), targets: Tensor([-100, -100]))
        #expect(loss.item.isNaN)
        let summed = Tensor.crossEntropy(logits: Tensor.zeros([2, 3]), targets: Tensor([-100, -100]), reduction: .sum)
        #expect(summed.item == 0)
    }

    // MARK: Normalisation to unit length, cosine similarity

    @Test(arguments: ["last", "axis1", "clamped"])
    func l2NormalizedMatchesPyTorch(_ variant: String) throws {
        let c = try neuralFixtures.get().named("normalize_\(variant)")
        expectMatchesReference(c, differentiable: ["x"]) {
            $0[0].l2Normalized(axis: c.param("axis").int, eps: c.param("eps").float)
        }
    }

    @Test(arguments: ["rows", "broadcast", "clamped"])
    func cosineSimilarityMatchesPyTorch(_ variant: String) throws {
        let c = try neuralFixtures.get().named("cosine_\(variant)")
        expectMatchesReference(c, differentiable: ["a", "b"]) {
            Tensor.cosineSimilarity($0[0], $0[1], axis: c.param("axis").int, eps: c.param("eps").float)
        }
    }

    @Test func similarityGradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 16)
        let a = Tensor.randomNormal([3, 5], using: &rng), b = Tensor.randomNormal([3, 5], using: &rng)
        expectFiniteDifferencesAgree(at: a, { $0.l2Normalized(axis: 1) }, "l2Normalized")
        expectFiniteDifferencesAgree(at: a, { Tensor.cosineSimilarity($0, b, axis: 1) }, "cosineSimilarity")
    }

    // MARK: Dropout

    @Test func dropoutKeepsTheExpectedFractionScaledAndRoutesGradientsThroughTheMask() {
        var rng = RandomGenerator(seed: 17)
        let x = Tensor.ones([200, 100]).requiringGrad()
        let p: Float = 0.3
        let y = x.dropout(probability: p, using: &rng)
        let values = y.scalars
        let kept = values.filter { $0 != 0 }
        #expect(kept.allSatisfy { Swift.abs($0 - 1 / (1 - p)) < Tolerance.forward })
        // 20 000 Bernoulli(0.7) draws: the kept fraction is within 5 standard deviations (0.016) of 0.7.
        let fraction = Float(kept.count) / Float(values.count)
        #expect(Swift.abs(fraction - (1 - p)) < 5 * (p * (1 - p) / Float(values.count)).squareRoot())
        y.sum().backward()
        #expect(x.grad!.scalars == values)
    }

    @Test func dropoutIsReproducibleAndOffOutsideTraining() {
        let x = Tensor.ones([1000])
        var first = RandomGenerator(seed: 5), second = RandomGenerator(seed: 5)
        #expect(x.dropout(probability: 0.5, using: &first).scalars == x.dropout(probability: 0.5, using: &second).scalars)
        #expect(first == second)
        var rng = RandomGenerator(seed: 5)
        #expect(x.dropout(probability: 0.5, training: false, using: &rng).scalars == x.scalars)
        #expect(rng == RandomGenerator(seed: 5))
        #expect(x.dropout(probability: 1, using: &rng).scalars.allSatisfy { $0 == 0 })
    }
}
