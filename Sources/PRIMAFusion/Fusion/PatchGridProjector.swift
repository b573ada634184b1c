import PRIMAAlign
import PRIMANN
import PRIMATensor

/// Downsamples an image's patch tokens into fewer soft tokens of the language model: the `[B, K, D]` tokens are laid
/// back on their `h × w` grid, convolved by `Conv2d(D → H, kernel, stride)` and flattened row-major, then
/// `GELU → Linear(H → H)`.
///
/// The grid is zero-padded at the bottom and right when the kernel does not tile it exactly, so every patch is read
/// (see ``FusionProjectorConfiguration``): `K' = h' · w'` with `h' = ⌈max(h − k, 0) / s⌉ + 1`.
public final class PatchGridProjector: Module {
    /// The downsampling convolution over the grid.
    @Key("conv") public private(set) var convolution: Conv2d
    /// The pointwise projection after the GELU.
    @Key("proj") public private(set) var projection: Linear

    /// A projector from patch width `inputWidth` to `hiddenSize`, with PyTorch's default initialisation.
    public init(inputWidth: Int, hiddenSize: Int, kernelSize: Int = 2, stride: Int = 2, using rng: inout RandomGenerator) {
        super.init()
        convolution = Conv2d(inputChannels: inputWidth, outputChannels: hiddenSize, kernelSize: Size2D(kernelSize),
                             stride: Size2D(stride), using: &rng)
        projection = Linear(hiddenSize, hiddenSize, using: &rng)
    }

    /// The grid of output tokens for an input grid.
    public func outputGrid(for grid: PatchGrid) -> PatchGrid {
        let k = convolution.weight.shape[2], s = convolution.stride.height
        return PatchGrid(height: FusionProjectorConfiguration.coveringOutputLength(grid.height, kernel: k, stride: s),
                         width: FusionProjectorConfiguration.coveringOutputLength(grid.width, kernel: k, stride: s))
    }

    /// `[B, K, D]` patch tokens on `grid` (`K = grid.count`) → `[B, K', H]`.
    /// - Throws: ``FusionError`` naming the shapes when the tokens do not fit the grid or the width.
    public func callAsFunction(_ tokens: Tensor, grid: PatchGrid) throws -> Tensor {
        let width = convolution.weight.shape[1]
        guard tokens.rank == 3, tokens.shape[1] == grid.count, tokens.shape[2] == width else {
            throw FusionError("patch grid projector", "patch tokens \(tokens.shape) do not fit a \(grid.height)×\(grid.width) grid of width \(width) ([B, \(grid.count), \(width)] expected)")
        }
        let b = tokens.shape[0], k = convolution.weight.shape[2], s = convolution.stride.height
        var image = tokens.permuted([0, 2, 1]).reshaped([b, width, grid.height, grid.width])
        let paddedHeight = FusionProjectorConfiguration.coveringInputLength(grid.height, kernel: k, stride: s)
        let paddedWidth = FusionProjectorConfiguration.coveringInputLength(grid.width, kernel: k, stride: s)
        if paddedHeight != grid.height || paddedWidth != grid.width {
            image = image.padded(axis: 2, before: 0, after: paddedHeight - grid.height)
                .padded(axis: 3, before: 0, after: paddedWidth - grid.width)
        }
        let convolved = convolution(image)                       // [B, H, h', w']
        let hidden = convolved.shape[1], count = convolved.shape[2] * convolved.shape[3]
        return projection(convolved.reshaped([b, hidden, count]).permuted([0, 2, 1]).gelu())
    }
}
