import PRIMATensor
import PRIMATestSupport
import Testing

/// sum/mean/max/min, variance, logSumExp and argmax/argmin against PyTorch.
@Suite struct ReductionTests {
    static let file = CoreFixtures.load("core_reduce")

    @Test func reductionsMatchPyTorch() {
        var worst = WorstErrors()
        var seen = 0
        for c in Self.file.cases {
            let op = c.param("op").string
            let keep = c.param("keepDims").bool
            let smooth = c.params?["ties"] == nil
            switch op {
            case "sum", "mean", "amax", "amin":
                let axes = CoreFixtures.axes(c)
                worst.merge(CoreFixtures.check(c, finiteDifferences: smooth) { inputs in
                    let x = inputs["x"]!
                    switch op {
                    case "sum": return [x.sum(axes: axes, keepDims: keep)]
                    case "mean": return [x.mean(axes: axes, keepDims: keep)]
                    case "amax": return [x.max(axes: axes, keepDims: keep)]
                    default: return [x.min(axes: axes, keepDims: keep)]
                    }
                })
            case "variance":
                let axes = CoreFixtures.axes(c), correction = c.param("correction").int
                worst.merge(CoreFixtures.check(c) { [$0["x"]!.variance(axes: axes, correction: correction, keepDims: keep)] })
            case "logSumExp":
                let axes = CoreFixtures.axes(c)!
                let negInf = c.param("negInfIndex").int
                let restoreInfinity: (String, Tensor) -> Tensor = { key, x in
                    guard key == "x" else { return x }
                    var x = x
                    x.withUnsafeMutableBuffer { $0[negInf] = -.infinity }
                    return x
                }
                worst.merge(CoreFixtures.check(c, adjustInput: restoreInfinity) {
                    [$0["x"]!.logSumExp(axes: axes, keepDims: keep)]
                })
            case "argmax", "argmin":
                let axis = c.param("axis").int
                CoreFixtures.check(c) { inputs in
                    let x = inputs["x"]!
                    return [op == "argmax" ? x.argmax(axis: axis, keepDims: keep) : x.argmin(axis: axis, keepDims: keep)]
                }
            default:
                Issue.record("unknown reduction \(op)")
            }
            seen += 1
        }
        #expect(seen == Self.file.cases.count && seen > 90)
        worst.report("reductions")
    }

    @Test func singleAxisConveniencesEqualTheAxesForms() {
        var rng = RandomGenerator(seed: 5)
        let x = Tensor.randomNormal([3, 4, 5], using: &rng)
        #expect(x.sum(axis: 1).scalars == x.sum(axes: [1]).scalars)
        #expect(x.mean(axis: -1, keepDims: true).scalars == x.mean(axes: [2], keepDims: true).scalars)
        #expect(x.max(axis: 0).scalars == x.max(axes: [0]).scalars)
        #expect(x.min(axis: 2).shape == [3, 4])
        #expect(x.logSumExp(axis: 1).shape == [3, 5])
    }

    /// Long rows and strided axes exercise the vectorised and parallel kernels; a Double reference keeps
    /// the comparison exact enough to detect any dropped or doubled element.
    @Test func largeReductionsAgreeWithADoublePrecisionReference() {
        var rng = RandomGenerator(seed: 9)
        let x = Tensor.randomNormal([37, 129, 33], using: &rng)
        let v = x.scalars
        for axis in 0..<3 {
            let s = x.sum(axis: axis), mx = x.max(axis: axis), mn = x.min(axis: axis)
            let am = x.argmax(axis: axis)
            let dims = [37, 129, 33]
            let strides = [129 * 33, 33, 1]
            let others = (0..<3).filter { $0 != axis }
            var worstSum: Double = 0
            var extremaMatch = true
            for i in 0..<dims[others[0]] {
                for j in 0..<dims[others[1]] {
                    var acc: Double = 0
                    var hi = -Float.infinity, lo = Float.infinity, best = 0
                    for k in 0..<dims[axis] {
                        let value = v[i * strides[others[0]] + j * strides[others[1]] + k * strides[axis]]
                        acc += Double(value)
                        if value > hi { hi = value; best = k }
                        lo = Swift.min(lo, value)
                    }
                    worstSum = Swift.max(worstSum, Swift.abs(Double(s[i, j]) - acc))
                    if mx[i, j] != hi || mn[i, j] != lo || am[i, j] != Float(best) { extremaMatch = false }
                }
            }
            #expect(worstSum < 1e-4, "axis \(axis): sum error \(worstSum)")
            #expect(extremaMatch, "axis \(axis)")
        }
        let total = x.sum().item
        let reference = v.reduce(0.0) { $0 + Double($1) }
        let magnitude = v.reduce(0.0) { $0 + Double(Swift.abs($1)) }
        // A blocked float32 sum stays within a few ulps of the total magnitude; a dropped element would not.
        #expect(Swift.abs(Double(total) - reference) < 1e-6 * magnitude)
    }

    /// Constants reduced over all axes take a shortcut; it must agree with the recorded path, which the
    /// PyTorch fixtures check.
    @Test func fullReductionsOfConstantsEqualTheRecordedPath() {
        var rng = RandomGenerator(seed: 21)
        let x = Tensor.randomNormal([7, 5, 3], using: &rng)
        let tracked = x.requiringGrad()
        #expect(x.sum().shape == [])
        #expect(x.sum().item == tracked.sum().item)
        #expect(x.mean().item == tracked.mean().item)
        #expect(x.max().item == tracked.max().item)
        #expect(x.min().item == tracked.min().item)
        #expect(x.sum(keepDims: true).shape == [1, 1, 1])
    }

    @Test func nanPropagatesThroughMaxAndMin() {
        let x = Tensor(shape: [2, 3], scalars: [1, .nan, 3, 4, 5, 6])
        let mx = x.max(axis: 1), mn = x.min(axis: 1)
        #expect(mx[0].isNaN && mn[0].isNaN)
        #expect(mx[1] == 6 && mn[1] == 4)
        #expect(x.argmax(axis: 1).scalars == [1, 2])
        // Down the columns (the strided kernel): NaN wins in column 1, elsewhere the larger row.
        #expect(x.argmax(axis: 0).scalars == [1, 0, 1])
        #expect(x.argmin(axis: 0).scalars == [0, 0, 0])
        let columnMax = x.max(axis: 0).scalars
        #expect(columnMax[0] == 4 && columnMax[1].isNaN && columnMax[2] == 6)
    }
}
