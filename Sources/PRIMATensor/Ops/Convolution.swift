/// 1-D and 2-D convolutions (PyTorch semantics: cross-correlation, NCHW, weight `[Cout, Cin / groups, KH, KW]`)
/// by im2col + `cblas_sgemm`, with a copy-only path for patch embeddings (kernel == stride, no padding).
extension Tensor {
    /// `torch.nn.functional.conv1d`: input `[B, Cin, L]`, weight `[Cout, Cin / groups, K]`, bias `[Cout]`.
    /// Returns `[B, Cout, (L + 2·padding − dilation·(K − 1) − 1) / stride + 1]`.
    public static func conv1d(_ input: Tensor, weight: Tensor, bias: Tensor? = nil,
                              stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) -> Tensor {
        precondition(input.rank == 3 && weight.rank == 3, "conv1d expects input [B, C, L] and weight [Cout, Cin/groups, K], got \(input.shape), \(weight.shape)")
        let out = conv2d(input.unsqueezed(2), weight: weight.unsqueezed(2), bias: bias,
                         stride: (1, stride), padding: (0, padding), dilation: (1, dilation), groups: groups)
        return out.squeezed(2)
    }

    /// `torch.nn.functional.conv2d`: input `[B, Cin, H, W]`, weight `[Cout, Cin / groups, KH, KW]`, bias
    /// `[Cout]`; `stride`, `padding` (zeros) and `dilation` are (height, width). Any `groups` dividing both
    /// channel counts works (depthwise is `groups == Cin`), though each group is its own small product.
    public static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor? = nil,
                              stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                              dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        precondition(input.rank == 4 && weight.rank == 4, "conv2d expects input [B, C, H, W] and weight [Cout, Cin/groups, KH, KW], got \(input.shape), \(weight.shape)")
        let geometry = ConvolutionGeometry(input: input.shape, weight: weight.shape, stride: stride,
                                           padding: padding, dilation: dilation, groups: groups)
        if let bias {
            precondition(bias.shape == [weight.shape[0]], "conv2d: bias \(bias.shape), expected [\(weight.shape[0])]")
        }
        let out = ConvolutionKernel.forward(geometry, input: input, weight: weight, bias: bias)
        guard input.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true, GradMode.isEnabled else { return out }
        // Save only what the needed gradients read, as `linear` does: the input for the weight's gradient, the
        // weight for the input's. A frozen kernel keeps no activation alive for backward, and a kernel trained on
        // inputs that need no gradient (pixels) is not kept either.
        let savedInput = weight.requiresGrad ? input.detached() : nil
        let savedWeight = input.requiresGrad ? weight.detached() : nil
        let needsBias = bias?.requiresGrad == true
        return record(out, inputs: [input, weight, bias ?? Tensor(0)]) { g in
            let grads = ConvolutionKernel.backward(geometry, outputGradient: g, input: savedInput, weight: savedWeight)
            return [grads.input, grads.weight, needsBias ? ConvolutionKernel.biasGradient(geometry, g) : nil]
        }
    }
}

/// Sizes of one 2-D convolution.
struct ConvolutionGeometry {
    let batch, inChannels, height, width: Int
    let outChannels, kernelHeight, kernelWidth: Int
    let strideH, strideW, padH, padW, dilationH, dilationW, groups: Int
    let outHeight, outWidth: Int

    init(input: [Int], weight: [Int], stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int) {
        (batch, inChannels, height, width) = (input[0], input[1], input[2], input[3])
        (outChannels, kernelHeight, kernelWidth) = (weight[0], weight[2], weight[3])
        (strideH, strideW) = stride
        (padH, padW) = padding
        (dilationH, dilationW) = dilation
        self.groups = groups
        precondition(strideH > 0 && strideW > 0 && dilationH > 0 && dilationW > 0 && padH >= 0 && padW >= 0,
                     "convolution: stride \(stride) and dilation \(dilation) must be positive, padding \(padding) non-negative")
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0 && weight[1] * groups == inChannels,
                     "convolution: weight \(weight) with \(groups) groups does not fit \(inChannels) input channels")
        outHeight = (height + 2 * padH - dilationH * (kernelHeight - 1) - 1) / strideH + 1
        outWidth = (width + 2 * padW - dilationW * (kernelWidth - 1) - 1) / strideW + 1
        precondition(outHeight > 0 && outWidth > 0, "convolution: kernel \(weight) larger than padded input \(input)")
    }

    var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }
    var positions: Int { outHeight * outWidth }
    var kernelArea: Int { kernelHeight * kernelWidth }
    /// Rows of one group's im2col matrix (`Cin / groups · KH · KW`).
    var groupColumnRows: Int { inChannels / groups * kernelArea }
    var groupOutChannels: Int { outChannels / groups }
    /// Non-overlapping patches that tile the input (a ViT patch embedding): gathered by row copies.
    var isPatchEmbedding: Bool {
        groups == 1 && kernelHeight == strideH && kernelWidth == strideW && padH == 0 && padW == 0
            && dilationH == 1 && dilationW == 1
    }
}

enum ConvolutionKernel {
    static func forward(_ g: ConvolutionGeometry, input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        let out = Tensor(uninitializedShape: g.outputShape)
        let x = input.storage.pointer, w = weight.storage.pointer, o = out.storage.pointer
        let inputSize = g.inChannels * g.height * g.width, outputSize = g.outChannels * g.positions
        if g.isPatchEmbedding {
            // One [positions, Cin·KH·KW] patch matrix per image; out_b = W · patchesᵀ.
            let rowLength = g.inChannels * g.kernelArea
            let patches = UnsafeMutablePointer<Float>.allocate(capacity: g.positions * rowLength)
            defer { patches.deallocate() }
            for b in 0..<g.batch {
                copyPatches(g, image: x + b * inputSize, patches: patches, toPatches: true)
                Tensor.sgemm(m: g.outChannels, n: g.positions, k: rowLength, a: w, lda: rowLength, transposeA: false,
                             b: patches, ldb: rowLength, transposeB: true, c: o + b * outputSize, ldc: g.positions, beta: 0)
            }
        } else {
            let columns = UnsafeMutablePointer<Float>.allocate(capacity: g.groups * g.groupColumnRows * g.positions)
            defer { columns.deallocate() }
            for b in 0..<g.batch {
                imageToColumns(g, image: x + b * inputSize, columns: columns)
                for group in 0..<g.groups {
                    Tensor.sgemm(m: g.groupOutChannels, n: g.positions, k: g.groupColumnRows,
                                 a: w + group * g.groupOutChannels * g.groupColumnRows, lda: g.groupColumnRows, transposeA: false,
                                 b: columns + group * g.groupColumnRows * g.positions, ldb: g.positions, transposeB: false,
                                 c: o + b * outputSize + group * g.groupOutChannels * g.positions, ldc: g.positions, beta: 0)
                }
            }
        }
        if let bias {
            let pb = bias.storage.pointer, positions = g.positions
            Parallel.forEachRange(g.batch * g.outChannels, costPerItem: positions) { range in
                for plane in range {
                    let value = pb[plane % g.outChannels], row = o + plane * positions
                    for i in 0..<positions { row[i] += value }
                }
            }
        }
        return out
    }

    /// The input's gradient when `weight` is given (it reads the kernel) and the weight's when `input` is given
    /// (it reads the input): pass only what the needed gradients read.
    static func backward(_ g: ConvolutionGeometry, outputGradient: Tensor, input: Tensor?, weight: Tensor?) -> (input: Tensor?, weight: Tensor?) {
        let gradInput = weight == nil ? nil : Tensor.zeros([g.batch, g.inChannels, g.height, g.width])
        let gradWeight = input == nil ? nil : Tensor.zeros([g.outChannels, g.inChannels / g.groups, g.kernelHeight, g.kernelWidth])
        guard gradInput != nil || gradWeight != nil else { return (nil, nil) }
        let x = input?.storage.pointer, w = weight?.storage.pointer, dOut = outputGradient.storage.pointer
        let inputSize = g.inChannels * g.height * g.width, outputSize = g.outChannels * g.positions
        if g.isPatchEmbedding {
            let rowLength = g.inChannels * g.kernelArea
            let patches = UnsafeMutablePointer<Float>.allocate(capacity: g.positions * rowLength)
            defer { patches.deallocate() }
            for b in 0..<g.batch {
                let dOutB = dOut + b * outputSize
                if let gradWeight, let x {  // dW += dOut_b · patches_b
                    copyPatches(g, image: x + b * inputSize, patches: patches, toPatches: true)
                    Tensor.sgemm(m: g.outChannels, n: rowLength, k: g.positions, a: dOutB, lda: g.positions, transposeA: false,
                                 b: patches, ldb: rowLength, transposeB: false,
                                 c: gradWeight.storage.pointer, ldc: rowLength, beta: 1)
                }
                if let gradInput, let w {  // dPatches = dOut_bᵀ · W, copied back (patches do not overlap)
                    Tensor.sgemm(m: g.positions, n: rowLength, k: g.outChannels, a: dOutB, lda: g.positions, transposeA: true,
                                 b: w, ldb: rowLength, transposeB: false, c: patches, ldc: rowLength, beta: 0)
                    copyPatches(g, image: gradInput.storage.pointer + b * inputSize, patches: patches, toPatches: false)
                }
            }
            return (gradInput, gradWeight)
        }
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: g.groups * g.groupColumnRows * g.positions)
        defer { columns.deallocate() }
        let (rows, outG) = (g.groupColumnRows, g.groupOutChannels)
        for b in 0..<g.batch {
            let dOutB = dOut + b * outputSize
            if let gradWeight, let x {  // dW_g += dOut_{b,g} · columns_gᵀ
                imageToColumns(g, image: x + b * inputSize, columns: columns)
                for group in 0..<g.groups {
                    Tensor.sgemm(m: outG, n: rows, k: g.positions,
                                 a: dOutB + group * outG * g.positions, lda: g.positions, transposeA: false,
                                 b: columns + group * rows * g.positions, ldb: g.positions, transposeB: true,
                                 c: gradWeight.storage.pointer + group * outG * rows, ldc: rows, beta: 1)
                }
            }
            if let gradInput, let w {  // dColumns_g = W_gᵀ · dOut_{b,g}, folded back onto the image
                for group in 0..<g.groups {
                    Tensor.sgemm(m: rows, n: g.positions, k: outG,
                                 a: w + group * outG * rows, lda: rows, transposeA: true,
                                 b: dOutB + group * outG * g.positions, ldb: g.positions, transposeB: false,
                                 c: columns + group * rows * g.positions, ldc: g.positions, beta: 0)
                }
                columnsToImage(g, columns: columns, image: gradInput.storage.pointer + b * inputSize)
            }
        }
        return (gradInput, gradWeight)
    }

    /// Sum of the output gradient over batch and positions, per output channel.
    static func biasGradient(_ g: ConvolutionGeometry, _ outputGradient: Tensor) -> Tensor {
        let out = Tensor(uninitializedShape: [g.outChannels])
        let src = outputGradient.storage.pointer, dst = out.storage.pointer, positions = g.positions
        Parallel.forEachRange(g.outChannels, costPerItem: g.batch * positions) { range in
            for channel in range {
                var sum: Float = 0
                for b in 0..<g.batch {
                    let row = src + (b * g.outChannels + channel) * positions
                    for i in 0..<positions { sum += row[i] }
                }
                dst[channel] = sum
            }
        }
        return out
    }

    /// The output columns `ow` whose input column `ow·stride + offset` lies inside `0 ..< width`.
    @inline(__always)
    private static func validRange(offset: Int, stride: Int, size: Int, count: Int) -> Range<Int> {
        let lower = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let upper = size - 1 - offset < 0 ? -1 : (size - 1 - offset) / stride
        return lower..<max(lower, min(upper + 1, count))
    }

    /// im2col of one image: row `(c, kh, kw)`, column `(oh, ow)` holds the input under that kernel tap
    /// (0 in the padding).
    private static func imageToColumns(_ g: ConvolutionGeometry, image: UnsafeMutablePointer<Float>,
                                       columns: UnsafeMutablePointer<Float>) {
        let (positions, area) = (g.positions, g.kernelArea)
        Parallel.forEachRange(g.inChannels * area, costPerItem: positions) { range in
            for row in range {
                let c = row / area, kh = (row % area) / g.kernelWidth, kw = row % g.kernelWidth
                let columnOffset = kw * g.dilationW - g.padW
                let valid = validRange(offset: columnOffset, stride: g.strideW, size: g.width, count: g.outWidth)
                for oh in 0..<g.outHeight {
                    let dst = columns + row * positions + oh * g.outWidth
                    let ih = oh * g.strideH - g.padH + kh * g.dilationH
                    guard ih >= 0 && ih < g.height else {
                        dst.update(repeating: 0, count: g.outWidth)
                        continue
                    }
                    let src = image + (c * g.height + ih) * g.width
                    for ow in 0..<valid.lowerBound { dst[ow] = 0 }
                    for ow in valid { dst[ow] = src[ow * g.strideW + columnOffset] }
                    for ow in valid.upperBound..<g.outWidth { dst[ow] = 0 }
                }
            }
        }
    }

    /// col2im: adds each column entry back onto the input pixel it was read from. Channels are disjoint,
    /// so they run in parallel.
    private static func columnsToImage(_ g: ConvolutionGeometry, columns: UnsafeMutablePointer<Float>,
                                       image: UnsafeMutablePointer<Float>) {
        let (positions, area) = (g.positions, g.kernelArea)
        Parallel.forEachRange(g.inChannels, costPerItem: area * positions) { range in
            for c in range {
                for tap in 0..<area {
                    let row = c * area + tap, kh = tap / g.kernelWidth, kw = tap % g.kernelWidth
                    let columnOffset = kw * g.dilationW - g.padW
                    let valid = validRange(offset: columnOffset, stride: g.strideW, size: g.width, count: g.outWidth)
                    for oh in 0..<g.outHeight {
                        let ih = oh * g.strideH - g.padH + kh * g.dilationH
                        guard ih >= 0 && ih < g.height else { continue }
                        let src = columns + row * positions + oh * g.outWidth
                        let dst = image + (c * g.height + ih) * g.width
                        for ow in valid { dst[ow * g.strideW + columnOffset] += src[ow] }
                    }
                }
            }
        }
    }

    /// Patch matrix `[positions, Cin·KH·KW]` of one image for kernel == stride, by runs of `KW` floats;
    /// with `toPatches == false` it writes the patches back into the image instead.
    private static func copyPatches(_ g: ConvolutionGeometry, image: UnsafeMutablePointer<Float>,
                                    patches: UnsafeMutablePointer<Float>, toPatches: Bool) {
        let (kh, kw) = (g.kernelHeight, g.kernelWidth), rowLength = g.inChannels * kh * kw
        Parallel.forEachRange(g.positions, costPerItem: rowLength) { range in
            for position in range {
                let oh = position / g.outWidth, ow = position % g.outWidth
                var patch = patches + position * rowLength
                for c in 0..<g.inChannels {
                    var pixel = image + (c * g.height + oh * kh) * g.width + ow * kw
                    for _ in 0..<kh {
                        if toPatches { patch.update(from: pixel, count: kw) } else { pixel.update(from: patch, count: kw) }
                        patch += kw
                        pixel += g.width
                    }
                }
            }
        }
    }
}
