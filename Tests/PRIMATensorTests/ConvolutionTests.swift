import Testing
import PRIMATensor
import PRIMATestSupport

@Suite struct ConvolutionTests {
    static let fixtures = try! FixtureFile.load("convolution", in: .module)

    static func convolve(_ c: FixtureCase, input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        let (stride, padding, dilation) = (c.param("stride").ints, c.param("padding").ints, c.param("dilation").ints)
        let groups = c.param("groups").int
        if c.param("dims").int == 1 {
            return Tensor.conv1d(input, weight: weight, bias: bias, stride: stride[0], padding: padding[0],
                                 dilation: dilation[0], groups: groups)
        }
        return Tensor.conv2d(input, weight: weight, bias: bias, stride: (stride[0], stride[1]),
                             padding: (padding[0], padding[1]), dilation: (dilation[0], dilation[1]), groups: groups)
    }

    @Test(arguments: ["conv2d_stride_padding", "conv2d_dilation_no_bias", "conv2d_patch_embed",
                      "conv2d_patch_embed_remainder", "conv2d_depthwise", "conv2d_grouped",
                      "conv1d_stride_padding", "conv1d_dilation_no_bias", "conv1d_depthwise"])
    func matchesPyTorch(_ name: String) {
        let c = Self.fixtures.named(name)
        let input = c.input("input").requiringGrad(), weight = c.input("weight").requiringGrad()
        let bias = c.inputs["bias"].map { $0.tensor.requiringGrad() }
        let out = Self.convolve(c, input: input, weight: weight, bias: bias)
        #expect(maxScaledError(out, c.output()) < Tolerance.forward)
        (out * c.input("probe")).sum().backward()
        #expect(maxRelativeError(input.grad!, c.grad("input")) < Tolerance.gradient)
        #expect(maxRelativeError(weight.grad!, c.grad("weight")) < Tolerance.gradient)
        if let bias { #expect(maxRelativeError(bias.grad!, c.grad("bias")) < Tolerance.gradient) }
    }

    /// The patch-embedding path (kernel == stride) agrees with the general im2col path: the same taps as a
    /// 5×5 kernel whose last row and column are zero, over the input padded by one zero row and column.
    @Test func patchPathAgreesWithGeneralPath() {
        var rng = RandomGenerator(seed: 2)
        let input = Tensor.randomNormal([2, 3, 8, 8], using: &rng).requiringGrad()
        let weight = Tensor.randomNormal([4, 3, 4, 4], using: &rng).requiringGrad()
        let bias = Tensor.randomNormal([4], using: &rng)
        let probe = probeWeights([2, 4, 2, 2])
        let patch = Tensor.conv2d(input, weight: weight, bias: bias, stride: (4, 4))
        (patch * probe).sum().backward()
        let input2 = input.detached().requiringGrad(), weight2 = weight.detached().requiringGrad()
        let general = Tensor.conv2d(input2.padded([0, 1, 0, 1]),
                                    weight: weight2.padded([0, 1, 0, 1]), bias: bias, stride: (4, 4))
        (general * probe).sum().backward()
        #expect(maxScaledError(patch, general) < Tolerance.forward)
        #expect(maxRelativeError(input.grad!, input2.grad!) < Tolerance.gradient)
        #expect(maxRelativeError(weight.grad!, weight2.grad!) < Tolerance.gradient)
    }

    @Test func gradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 3)
        let input = Tensor.randomNormal([1, 2, 5, 4], using: &rng)
        let weight = Tensor.randomNormal([4, 1, 3, 2], using: &rng), bias = Tensor.randomNormal([4], using: &rng)
        let probe = probeWeights([1, 4, 3, 4])
        func loss(_ x: Tensor, _ w: Tensor, _ b: Tensor) -> Tensor {
            (Tensor.conv2d(x, weight: w, bias: b, stride: (2, 1), padding: (1, 1), dilation: (1, 2), groups: 2) * probe).sum()
        }
        let cases: [(Tensor, (Tensor) -> Tensor)] = [
            (input, { loss($0, weight, bias) }), (weight, { loss(input, $0, bias) }), (bias, { loss(input, weight, $0) }),
        ]
        for (x, f) in cases {
            let ad = autodiffGradient(of: f, at: x), fd = finiteDifferenceGradient(of: f, at: x)
            #expect(maxRelativeError(ad, fd, floor: 1e-1) < Tolerance.finiteDifference)
        }
    }

    /// Backward keeps only what the needed gradients read, as `linear` does: a kernel trained on inputs that need
    /// no gradient (pixels) does not keep the kernel, a frozen kernel does not keep its input. Each kept-or-not
    /// tensor is an intermediate (`2 · leaf`) that only the convolution could keep alive; the gradient that is
    /// needed is still the PyTorch fixture's (times 2).
    @Test(arguments: ["conv2d_stride_padding", "conv2d_patch_embed", "conv2d_grouped", "conv1d_stride_padding"])
    func savesOnlyWhatBackwardReads(_ name: String) {
        let c = Self.fixtures.named(name)
        let bias = c.inputs["bias"]?.tensor, probe = c.input("probe")

        weak var keptKernel: TensorStorage?
        let weight = c.input("weight").requiringGrad()
        var loss: Tensor
        do {
            let kernel = weight * 2
            keptKernel = kernel.storage
            loss = (Self.convolve(c, input: c.input("input"), weight: kernel, bias: bias) * probe).sum()
        }
        #expect(keptKernel == nil, "only the weight needs a gradient, yet the convolution keeps its weight for backward")
        loss.backward()
        #expect(maxRelativeError(weight.grad!, c.grad("weight") * 2) < Tolerance.gradient)

        weak var keptInput: TensorStorage?
        let input = c.input("input").requiringGrad()
        do {
            let activation = input * 2
            keptInput = activation.storage
            loss = (Self.convolve(c, input: activation, weight: c.input("weight"), bias: bias) * probe).sum()
        }
        #expect(keptInput == nil, "the kernel is frozen, yet the convolution keeps its input for backward")
        loss.backward()
        #expect(maxRelativeError(input.grad!, c.grad("input") * 2) < Tolerance.gradient)
        loss = Tensor(0)
    }

    @Test func conv1dGradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 4)
        let input = Tensor.randomNormal([2, 2, 7], using: &rng), weight = Tensor.randomNormal([3, 2, 3], using: &rng)
        let probe = probeWeights([2, 3, 4])
        let f: (Tensor) -> Tensor = { (Tensor.conv1d($0, weight: weight, stride: 2, padding: 1) * probe).sum() }
        let g: (Tensor) -> Tensor = { (Tensor.conv1d(input, weight: $0, stride: 2, padding: 1) * probe).sum() }
        #expect(maxRelativeError(autodiffGradient(of: f, at: input), finiteDifferenceGradient(of: f, at: input), floor: 1e-1)
                < Tolerance.finiteDifference)
        #expect(maxRelativeError(autodiffGradient(of: g, at: weight), finiteDifferenceGradient(of: g, at: weight), floor: 1e-1)
                < Tolerance.finiteDifference)
    }
}
