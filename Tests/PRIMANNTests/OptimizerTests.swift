import Foundation
import Testing
import PRIMANN
import PRIMATensor
import PRIMATestSupport

@Suite struct OptimizerTests {
    let fixtures = try! FixtureFile.load("nn", in: .module)

    /// Runs `make` on the fixture's initial parameters and gradients; compares parameters after every step.
    func check(_ name: String, _ make: ([(key: String, parameter: Parameter)], FixtureCase) -> any Optimizer) {
        let c = fixtures.named(name)
        let count = c.param("count").int
        let params = (0..<count).map { (key: "p\($0)", parameter: Parameter(c.input("p\($0)"))) }
        let optimizer = make(params, c)
        var worst: Float = 0
        for step in 0..<c.param("steps").int {
            for (i, p) in params.enumerated() { p.parameter.grad = c.input("grad\(step)_p\(i)") }
            optimizer.step()
            optimizer.zeroGrad()
            for (i, p) in params.enumerated() {
                worst = max(worst, maxRelativeError(p.parameter.value, c.output("step\(step)_p\(i)")))
            }
        }
        #expect(worst <= Tolerance.optimizerStep, "\(name): max relative error \(worst)")
    }

    @Test func sgdWithNesterovMomentumAndWeightDecayMatchesTorch() {
        check("sgd_nesterov") { p, c in
            SGD(parameters: p, learningRate: c.param("lr").double, momentum: c.param("momentum").float,
                nesterov: true, weightDecay: c.param("weight_decay").float)
        }
    }

    @Test func sgdWithDampeningMatchesTorch() {
        check("sgd_dampening") { p, c in
            SGD(parameters: p, learningRate: c.param("lr").double, momentum: c.param("momentum").float,
                dampening: c.param("dampening").float, weightDecay: c.param("weight_decay").float)
        }
    }

    @Test func plainSGDMatchesTorch() {
        check("sgd_plain") { p, c in SGD(parameters: p, learningRate: c.param("lr").double) }
    }

    @Test func adamWithL2WeightDecayMatchesTorch() {
        check("adam_l2") { p, c in
            Adam(parameters: p, learningRate: c.param("lr").double, betas: (c.param("beta1").double, c.param("beta2").double),
                 eps: c.param("eps").double, weightDecay: c.param("weight_decay").double)
        }
    }

    @Test func adamWMatchesTorch() {
        check("adamw") { p, c in
            AdamW(parameters: p, learningRate: c.param("lr").double, betas: (c.param("beta1").double, c.param("beta2").double),
                  eps: c.param("eps").double, weightDecay: c.param("weight_decay").double)
        }
    }

    @Test func parametersWithoutGradientOrFrozenAreLeftAlone() {
        let a = Parameter(Tensor([1, 2])), b = Parameter(Tensor([3, 4])), frozen = Parameter(Tensor([5]))
        let optimizer = AdamW(parameters: [("a", a), ("b", b), ("c", frozen)], learningRate: 0.1)
        a.grad = Tensor([1, 1])
        frozen.isFrozen = true
        optimizer.step()
        #expect(a.value.scalars != [1, 2])
        #expect(b.value.scalars == [3, 4])
        #expect(frozen.value.scalars == [5])
        #expect(optimizer.stepCount(of: "a") == 1 && optimizer.stepCount(of: "b") == 0)
    }

    @Test func stateRoundTripsIntoAFreshOptimizer() throws {
        let c = fixtures.named("adamw")
        func make() -> (Adam, [Parameter]) {
            let ps = [Parameter(c.input("p0")), Parameter(c.input("p1"))]
            return (AdamW(parameters: [("p0", ps[0]), ("p1", ps[1])], learningRate: 0.01, weightDecay: 0.1), ps)
        }
        let (first, firstParams) = make()
        let (second, secondParams) = make()
        for step in 0..<2 {
            for (i, p) in firstParams.enumerated() { p.grad = c.input("grad\(step)_p\(i)") }
            first.step()
        }
        try second.loadStateDict(first.stateDict())
        for (a, b) in zip(firstParams, secondParams) { b.value = a.value.detached() }
        for step in 2..<5 {
            for (i, p) in firstParams.enumerated() { p.grad = c.input("grad\(step)_p\(i)") }
            for (i, p) in secondParams.enumerated() { p.grad = c.input("grad\(step)_p\(i)") }
            first.step()
            second.step()
        }
        for (a, b) in zip(firstParams, secondParams) { #expect(a.value.scalars == b.value.scalars) }
        #expect(first.stateDict() == second.stateDict())
    }

    @Test func loadingAMismatchedStateThrows() throws {
        let p = Parameter(Tensor.zeros([3]))
        let adam = AdamW(parameters: [("w", p)])
        p.grad = Tensor([1, 2, 3])
        adam.step()
        let sgd = SGD(parameters: [("w", p)], learningRate: 0.1)
        #expect(throws: OptimizerStateError.self) { try sgd.loadStateDict(adam.stateDict()) }
        let other = AdamW(parameters: [("w", Parameter(Tensor.zeros([4])))])
        #expect(throws: OptimizerStateError.self) { try other.loadStateDict(adam.stateDict()) }
        let renamed = AdamW(parameters: [("v", Parameter(Tensor.zeros([3])))])
        #expect(throws: OptimizerStateError.self) { try renamed.loadStateDict(adam.stateDict()) }
    }
}
