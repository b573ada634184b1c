import PRIMATensor

/// A height × width pair of convolution settings.
public struct Size2D: Sendable, Equatable, Codable {
    public var height: Int
    public var width: Int

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
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Size2D
    public let padding: Size2D
    public let dilation: Size2D
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

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == weight.shape[1] * groups,
                     "Conv2d with weight \(weight.shape) applied to \(input.shape)")
        return Convolution.conv2d(input, weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
                                  dilation: dilation, groups: groups)
    }
}

/// 1-D convolution over `[batch, channels, length]`, as `torch.nn.Conv1d` with zero padding:
/// `weight` is `[outputChannels, inputChannels / groups, kernelSize]`, `bias` is `[outputChannels]`.
public final class Conv1d: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int
    public let padding: Int
    public let dilation: Int
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

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 3 && input.shape[1] == weight.shape[1] * groups,
                     "Conv1d with weight \(weight.shape) applied to \(input.shape)")
        // A length-L signal is a 1 × L image.
        let out = Convolution.conv2d(input.unsqueezed(2), weight: weight.value.unsqueezed(2), bias: bias?.value,
                                     stride: Size2D(1, stride), padding: Size2D(0, padding), dilation: Size2D(1, dilation),
                                     groups: groups)
        return out.squeezed(2)
    }
}

/// Convolution composed from differentiable layout ops and one matrix product (im2col); to be replaced
/// by the fused `Tensor.conv1d` / `Tensor.conv2d` kernels when PRIMATensor has them.
enum Convolution {
    static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Size2D, padding: Size2D, dilation: Size2D,
                       groups: Int) -> Tensor {
        if groups > 1 {
            let inputs = x.chunked(groups, axis: 1), weights = weight.chunked(groups, axis: 0)
            let biases = bias.map { $0.chunked(groups, axis: 0) }
            let outs = (0..<groups).map { g in
                conv2d(inputs[g], weight: weights[g], bias: biases?[g], stride: stride, padding: padding, dilation: dilation, groups: 1)
            }
            return Tensor.concat(outs, axis: 1)
        }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        let outH = (h + 2 * padding.height - dilation.height * (kh - 1) - 1) / stride.height + 1
        let outW = (w + 2 * padding.width - dilation.width * (kw - 1) - 1) / stride.width + 1
        precondition(outH > 0 && outW > 0, "convolution of \(x.shape) with kernel \(kh)×\(kw) has an empty output")
        let columns: Tensor  // [n · outH · outW, c · kh · kw], (c, kh, kw) minor as in the weight
        if stride == Size2D(kh, kw) && padding == Size2D(0) && dilation == Size2D(1) {
            // Non-overlapping patches (ViT patch embedding): one reshape and one permutation.
            columns = x.narrowed(axis: 2, start: 0, length: outH * kh).narrowed(axis: 3, start: 0, length: outW * kw)
                .reshaped([n, c, outH, kh, outW, kw]).permuted([0, 2, 4, 1, 3, 5]).reshaped([n * outH * outW, c * kh * kw])
        } else {
            // Pad so that every tap can take a strided window of outH · strideH rows (and columns).
            let needH = dilation.height * (kh - 1) + outH * stride.height, needW = dilation.width * (kw - 1) + outW * stride.width
            let padded = x.padded(axis: 2, before: padding.height, after: Swift.max(padding.height, needH - h - padding.height))
                .padded(axis: 3, before: padding.width, after: Swift.max(padding.width, needW - w - padding.width))
            var taps: [Tensor] = []
            for i in 0..<kh {
                for j in 0..<kw {
                    let window = padded.narrowed(axis: 2, start: i * dilation.height, length: outH * stride.height)
                        .narrowed(axis: 3, start: j * dilation.width, length: outW * stride.width)
                        .reshaped([n, c, outH, stride.height, outW, stride.width])
                        .narrowed(axis: 3, start: 0, length: 1).narrowed(axis: 5, start: 0, length: 1)
                    taps.append(window.reshaped([n, c, outH, outW, 1]))
                }
            }
            columns = Tensor.concat(taps, axis: 4).permuted([0, 2, 3, 1, 4]).reshaped([n * outH * outW, c * kh * kw])
        }
        var out = Tensor.matmul(columns, weight.reshaped([o, c * kh * kw]), transposeB: true)
        if let bias { out = out + bias }
        return out.reshaped([n, outH, outW, o]).permuted([0, 3, 1, 2])
    }
}
