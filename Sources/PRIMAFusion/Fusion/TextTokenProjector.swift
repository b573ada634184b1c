import PRIMANN
import PRIMATensor

/// Downsamples a text's token features into fewer soft tokens of the language model: `Conv1d(D → H, kernel, stride)`
/// along the sequence, then `GELU → Linear(H → H)`.
///
/// Padding: padded positions are zeroed before the convolution, and the sequence is zero-padded on the right so that
/// every real token falls in a window (`L' = ⌈max(L − k, 0) / s⌉ + 1`). The downsampled mask marks a window real
/// when **any** real token lies in it; a window of padding only is masked out. With right-padded texts a sample's
/// real windows are therefore the same, with the same values, whatever the batch's padded length.
public final class TextTokenProjector: Module {
    /// The downsampling convolution along the sequence.
    @Key("conv") public private(set) var convolution: Conv1d
    /// The pointwise projection after the GELU.
    @Key("proj") public private(set) var projection: Linear

    /// A projector from token width `inputWidth` to `hiddenSize`, with PyTorch's default initialisation.
    public init(inputWidth: Int, hiddenSize: Int, kernelSize: Int = 2, stride: Int = 2, using rng: inout RandomGenerator) {
        super.init()
        convolution = Conv1d(inputChannels: inputWidth, outputChannels: hiddenSize, kernelSize: kernelSize, stride: stride,
                             using: &rng)
        projection = Linear(hiddenSize, hiddenSize, using: &rng)
    }

    private var kernelSize: Int { convolution.weight.shape[2] }

    /// The downsampled mask `[B, L']` of a mask `[B, L]`: 1 where the window holds at least one real token.
    public func downsampledMask(_ mask: Tensor) -> Tensor {
        let (b, l) = (mask.shape[0], mask.shape[1])
        let k = kernelSize, s = convolution.stride
        let outputs = FusionProjectorConfiguration.coveringOutputLength(l, kernel: k, stride: s)
        let values = mask.scalars
        var out = [Float](repeating: 0, count: b * outputs)
        for i in 0..<b {
            for j in 0..<outputs where (j * s ..< min(j * s + k, l)).contains(where: { values[i * l + $0] != 0 }) {
                out[i * outputs + j] = 1
            }
        }
        return Tensor(shape: [b, outputs], scalars: out)
    }

    /// `[B, L, D]` token features with mask `[B, L]` (1 real, 0 padding) → tokens `[B, L', H]` and mask `[B, L']`.
    /// - Throws: ``FusionError`` naming the shapes when tokens, mask and width disagree.
    public func callAsFunction(_ tokens: Tensor, mask: Tensor) throws -> (tokens: Tensor, mask: Tensor) {
        let width = convolution.weight.shape[1]
        guard tokens.rank == 3, tokens.shape[2] == width, mask.shape == Array(tokens.shape.prefix(2)) else {
            throw FusionError("text token projector", "text tokens \(tokens.shape) with mask \(mask.shape): expected [B, L, \(width)] and [B, L]")
        }
        let l = tokens.shape[1]
        let padded = FusionProjectorConfiguration.coveringInputLength(l, kernel: kernelSize, stride: convolution.stride)
        var sequence = (tokens * mask.detached().unsqueezed(-1)).permuted([0, 2, 1])   // [B, D, L], padding zeroed
        if padded != l { sequence = sequence.padded(axis: 2, before: 0, after: padded - l) }
        let convolved = convolution(sequence)                                         // [B, H, L']
        return (projection(convolved.permuted([0, 2, 1]).gelu()), downsampledMask(mask))
    }
}
