import Testing
import PRIMANN
import PRIMATensor
import PRIMATestSupport

@Suite struct LayerTests {
    let fixtures = try! FixtureFile.load("nn", in: .module)

    /// Forward output and parameter/input gradients of `layer` against the fixture case `name`.
    func check(_ name: String, _ layer: some Layer, parameters: [String: Parameter]) {
        let c = fixtures.named(name)
        let x = c.input("x").requiringGrad()
        let out = layer(x)
        #expect(maxScaledError(out, c.output()) <= Tolerance.forward, "\(name) forward")
        (out * c.input("probe")).sum().backward()
        #expect(maxRelativeError(x.grad!, c.grad("x")) <= Tolerance.gradient, "\(name) input gradient")
        for (key, p) in parameters {
            #expect(maxRelativeError(p.grad!, c.grad(key)) <= Tolerance.gradient, "\(name) \(key) gradient")
        }
    }

    @Test func linearMatchesTorch() {
        let c = fixtures.named("linear")
        let linear = Linear(weight: c.input("weight"), bias: c.input("bias"))
        check("linear", linear, parameters: ["weight": linear.weight, "bias": linear.bias!])
    }

    @Test func layerNormMatchesTorch() throws {
        let c = fixtures.named("layer_norm")
        let norm = LayerNorm(dimension: 6, eps: c.param("eps").float)
        try norm.loadStateDict(["weight": c.input("weight"), "bias": c.input("bias")])
        check("layer_norm", norm, parameters: ["weight": norm.weight!, "bias": norm.bias!])
    }

    @Test func rmsNormMatchesTorch() throws {
        let c = fixtures.named("rms_norm")
        let norm = RMSNorm(dimension: 6, eps: c.param("eps").float)
        try norm.loadStateDict(["weight": c.input("weight")])
        check("rms_norm", norm, parameters: ["weight": norm.weight!])
    }

    @Test func linearDefaultInitialisationStaysInPyTorchBounds() {
        var rng = RandomGenerator(seed: 9)
        let linear = Linear(64, 32, using: &rng)
        let bound = 1 / Float(64).squareRoot()
        let w = linear.weight.value.scalars, b = linear.bias!.value.scalars
        #expect(w.allSatisfy { abs($0) <= bound } && b.allSatisfy { abs($0) <= bound })
        // Uniform over the whole interval, not a narrower one.
        #expect(w.max()! > 0.95 * bound && w.min()! < -0.95 * bound)
        #expect(Linear(64, 32, bias: false, using: &rng).bias == nil)
        var again = RandomGenerator(seed: 9)
        #expect(Linear(64, 32, using: &again).weight.value.scalars == w)
    }

    @Test func dropoutZeroesTheRightShareAndRescales() {
        let dropout = Dropout(probability: 0.25, generator: RandomGenerator(seed: 4))
        let out = dropout(Tensor.ones([100, 100])).scalars
        let zeros = out.filter { $0 == 0 }.count
        #expect(abs(Float(zeros) / 10_000 - 0.25) < 0.02)
        #expect(out.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-6 })
        let replay = Dropout(probability: 0.25, generator: RandomGenerator(seed: 4))
        #expect(replay(Tensor.ones([100, 100])).scalars == out)
        replay.eval()
        #expect(replay(Tensor.ones([3])).scalars == [1, 1, 1])
    }

    @Test func embeddingLooksUpRows() {
        let table = Tensor(shape: [3, 2], scalars: [0, 1, 10, 11, 20, 21])
        let embedding = Embedding(weight: table)
        let out = embedding(Tensor(shape: [2, 2], scalars: [2, 0, 1, 1]))
        #expect(out.shape == [2, 2, 2])
        #expect(out.scalars == [20, 21, 0, 1, 10, 11, 10, 11])
    }

    @Test func activationsParseHuggingFaceNames() {
        #expect(ActivationFunction(huggingFaceName: "gelu_new") == .geluTanh)
        #expect(ActivationFunction(huggingFaceName: "swish") == .silu)
        #expect(ActivationFunction(huggingFaceName: "relu") == .relu)
        #expect(ActivationFunction(huggingFaceName: "mish") == nil)
        let x = Tensor([-1, 2])
        #expect(Activation(.relu)(x).scalars == [0, 2])
        #expect(ActivationFunction.tanh(x).scalars == x.tanh().scalars)
    }

    @Test func sequentialChainsLayersInOrder() {
        let first = Linear(weight: Tensor(shape: [2, 2], scalars: [1, 0, 0, -1]))
        let second = Linear(weight: Tensor(shape: [1, 2], scalars: [1, 1]), bias: Tensor([0.5]))
        let net = Sequential(first, Activation(.relu), second)
        #expect(net(Tensor(shape: [1, 2], scalars: [3, 4])).scalars == [3.5])
        #expect(net.namedParameters().map(\.key) == ["0.weight", "2.weight", "2.bias"])
    }
}

@Suite struct ConvolutionTests {
    let fixtures = try! FixtureFile.load("nn_conv", in: .module)

    func check(_ name: String, _ make: (FixtureCase) -> (any Layer, Parameter, Parameter)) {
        let c = fixtures.named(name)
        let (layer, weight, bias) = make(c)
        let x = c.input("x").requiringGrad()
        let out = layer(x)
        #expect(maxScaledError(out, c.output()) <= Tolerance.forward, "\(name) forward")
        (out * c.input("probe")).sum().backward()
        #expect(maxRelativeError(x.grad!, c.grad("x")) <= Tolerance.gradient, "\(name) input gradient")
        #expect(maxRelativeError(weight.grad!, c.grad("weight")) <= Tolerance.gradient, "\(name) weight gradient")
        #expect(maxRelativeError(bias.grad!, c.grad("bias")) <= Tolerance.gradient, "\(name) bias gradient")
    }

    @Test(arguments: ["conv1d_stride_pad", "conv1d_groups_dilation"])
    func conv1dMatchesTorch(name: String) {
        check(name) { c in
            let conv = Conv1d(weight: c.input("weight"), bias: c.input("bias"), stride: c.param("stride").ints[0],
                              padding: c.param("padding").ints[0], dilation: c.param("dilation").ints[0],
                              groups: c.param("groups").int)
            return (conv, conv.weight, conv.bias!)
        }
    }

    @Test(arguments: ["conv2d_stride_pad", "conv2d_patches", "conv2d_groups_dilation"])
    func conv2dMatchesTorch(name: String) {
        check(name) { c in
            func size(_ key: String) -> Size2D { let v = c.param(key).ints; return Size2D(v[0], v[1]) }
            let conv = Conv2d(weight: c.input("weight"), bias: c.input("bias"), stride: size("stride"),
                              padding: size("padding"), dilation: size("dilation"), groups: c.param("groups").int)
            return (conv, conv.weight, conv.bias!)
        }
    }

    @Test func convolutionGradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 8)
        let conv = Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: Size2D(2, 3), stride: Size2D(2, 1),
                          padding: Size2D(1), using: &rng)
        let x = Tensor.randomNormal([1, 2, 4, 5], using: &rng)
        let probe = probeWeights([1, 3, 3, 5])
        let f = { (input: Tensor) in (conv(input) * probe).sum() }
        let numeric = finiteDifferenceGradient(of: f, at: x)
        #expect(maxRelativeError(autodiffGradient(of: f, at: x), numeric) <= Tolerance.finiteDifference)
        #expect(conv.weight.shape == [3, 2, 2, 3])
        let bound = 1 / Float(2 * 2 * 3).squareRoot()
        #expect(conv.weight.value.scalars.allSatisfy { abs($0) <= bound })
    }
}
