import PRIMATensor

/// A height × width pair of convolution settings.
public struct Size2D: Sendable, Equatable, Codable {
    /// The vertical value.
    public var height: Int
    /// The horizontal value.
    public var width: Int

    /// A pair from its two values.
    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }

    /// The same value in both directions.
    public init(_ both: Int) { self.init(both, both) }
}

/// 2-D convolution over `[batch, channels, height, width]`, as `torch.nn.Conv2d` with zero padding:
/// `weight` is `[outputChannels, inputChannels / groups, kernelHeight, kernelWidth]`, `bias` is `[outputChannels]`.
public final class Conv2d: Module, Layer {
    /// The kernel, `[outputChannels, inputChannels / groups, kernel…]`.
    public let weight: Parameter
    /// `[outputChannels]`, or nil for a layer without bias.
    public let bias: Parameter?
    /// The step between output positions.
    public let stride: Size2D
    /// Zeros added on both sides of each spatial axis.
    public let padding: Size2D
    /// The spacing between kernel taps.
    public let dilation: Size2D
    /// Channel groups convolved separately (`inputChannels` for depthwise).
    public let groups: Int

    /// A layer with PyTorch's default initialisation (kaiming-uniform a = √5, bias ±1/√fanIn with
    /// fanIn = inputChannels / groups · kernel area).
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Size2D, stride: Size2D = Size2D(1),
                padding: Size2D = Size2D(0), dilation: Size2D = Size2D(1), groups: Int = 1, bias: Bool = true,
                using rng: inout RandomGenerator) {
        precondition(groups > 0 && inputChannels % groups == 0 && outputChannels % groups == 0,
                     "channels \(inputChannels)→\(outputChannels) not divisible by \(groups) groups")
        let fanIn = inputChannels / groups * kernelSize.height * kernelSize.width
        let shape = [outputChannels, inputChannels / groups, kernelSize.height, kernelSize.width]
        self.weight = Parameter(Initialization.kaimingUniform(shape, fanIn: fanIn, using: &rng))
        self.bias = bias ? Parameter(Initialization.fanInUniform([outputChannels], fanIn: fanIn, using: &rng)) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        super.init()
    }

    /// A layer with the given weight `[out, in / groups, kh, kw]` and bias `[out]`.
    public init(weight: Tensor, bias: Tensor? = nil, stride: Size2D = Size2D(1), padding: Size2D = Size2D(0),
                dilation: Size2D = Size2D(1), groups: Int = 1) {
        precondition(weight.rank == 4 && weight.shape[0] % groups == 0, "Conv2d weight \(weight.shape) with \(groups) groups")
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        super.init()
    }

    /// The convolution of `input` (fused PRIMATensor kernel).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == weight.shape[1] * groups,
                     "Conv2d with weight \(weight.shape) applied to \(input.shape)")
        return Tensor.conv2d(input, weight: weight.value, bias: bias?.value, stride: (stride.height, stride.width),
                             padding: (padding.height, padding.width), dilation: (dilation.height, dilation.width), groups: groups)
    }
}

/// 1-D convolution over `[batch, channels, length]`, as `torch.nn.Conv1d` with zero padding:
/// `weight` is `[outputChannels, inputChannels / groups, kernelSize]`, `bias` is `[outputChannels]`.
public final class Conv1d: Module, Layer {
    /// The kernel, `[outputChannels, inputChannels / groups, kernel…]`.
    public let weight: Parameter
    /// `[outputChannels]`, or nil for a layer without bias.
    public let bias: Parameter?
    /// The step between output positions.
    public let stride: Int
    /// Zeros added on both sides.
    public let padding: Int
    /// The spacing between kernel taps.
    public let dilation: Int
    /// Channel groups convolved separately (`inputChannels` for depthwise).
    public let groups: Int

    /// A layer with PyTorch's default initialisation (see ``Conv2d``).
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, using rng: inout RandomGenerator) {
        precondition(groups > 0 && inputChannels % groups == 0 && outputChannels % groups == 0,
                     "channels \(inputChannels)→\(outputChannels) not divisible by \(groups) groups")
        let fanIn = inputChannels / groups * kernelSize
        self.weight = Parameter(Initialization.kaimingUniform([outputChannels, inputChannels / groups, kernelSize],
                                                              fanIn: fanIn, using: &rng))
        self.bias = bias ? Parameter(Initialization.fanInUniform([outputChannels], fanIn: fanIn, using: &rng)) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        super.init()
    }

    /// A layer with the given weight `[out, in / groups, k]` and bias `[out]`.
    public init(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) {
        precondition(weight.rank == 3 && weight.shape[0] % groups == 0, "Conv1d weight \(weight.shape) with \(groups) groups")
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        super.init()
    }

    /// The convolution of `input` (fused PRIMATensor kernel).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 3 && input.shape[1] == weight.shape[1] * groups,
                     "Conv1d with weight \(weight.shape) applied to \(input.shape)")
        return Tensor.conv1d(input, weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
                             dilation: dilation, groups: groups)
    }
}
