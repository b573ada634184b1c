/// The sizes of the stage-3 projectors that map frozen encoder features into the language model's hidden size.
///
/// Defaults (**[ours]**; the paper fixes the kinds of block, not their sizes):
/// - global tokens (each image view's global feature, the text's CLS feature): `Linear(D → H) → GELU → Linear(H → H)`;
/// - patch tokens: `Conv2d(D → H, kernel 2, stride 2)` over the patch grid, then `GELU → Linear(H → H)`; a 14 × 14
///   grid becomes 7 × 7 = 49 tokens;
/// - text tokens: `Conv1d(D → H, kernel 2, stride 2)` over the sequence, then `GELU → Linear(H → H)`; a text of
///   `n` real tokens becomes `⌈n / 2⌉` tokens.
///
/// Both convolutions pad the input on the right/bottom with zeros when the kernel does not tile it exactly, so that
/// no patch and no real text token is dropped (PyTorch's `ceil_mode` reading of the output size).
public struct FusionProjectorConfiguration: Codable, Sendable, Equatable {
    /// Width `D` of the image encoder's global and patch features.
    public var imageFeatureWidth: Int
    /// Width `D` of the text encoder's CLS and token features.
    public var textFeatureWidth: Int
    /// The language model's hidden size `H` (every projector's output width).
    public var hiddenSize: Int
    /// Side of the square 2-D convolution kernel over the patch grid (default 2).
    public var patchKernelSize: Int
    /// Stride of the 2-D convolution over the patch grid (default 2).
    public var patchStride: Int
    /// Length of the 1-D convolution kernel over the text tokens (default 2).
    public var textKernelSize: Int
    /// Stride of the 1-D convolution over the text tokens (default 2).
    public var textStride: Int

    /// A configuration; the kernel and stride defaults halve the patch grid in each direction and the text length.
    public init(imageFeatureWidth: Int, textFeatureWidth: Int, hiddenSize: Int, patchKernelSize: Int = 2, patchStride: Int = 2,
                textKernelSize: Int = 2, textStride: Int = 2) {
        self.imageFeatureWidth = imageFeatureWidth
        self.textFeatureWidth = textFeatureWidth
        self.hiddenSize = hiddenSize
        self.patchKernelSize = patchKernelSize
        self.patchStride = patchStride
        self.textKernelSize = textKernelSize
        self.textStride = textStride
    }

    /// Throws ``FusionError`` naming the first field that is not positive.
    public func validate() throws {
        for (name, value) in [("imageFeatureWidth", imageFeatureWidth), ("textFeatureWidth", textFeatureWidth),
                              ("hiddenSize", hiddenSize), ("patchKernelSize", patchKernelSize), ("patchStride", patchStride),
                              ("textKernelSize", textKernelSize), ("textStride", textStride)] where value <= 0 {
            throw FusionError("fusion projector configuration", "\(name) must be positive, got \(value)")
        }
    }

    /// Output positions of a convolution with `kernel` and `stride` over `length` inputs when the input is
    /// zero-padded on the right until every input falls in some window: `⌈max(length − kernel, 0) / stride⌉ + 1`.
    static func coveringOutputLength(_ length: Int, kernel: Int, stride: Int) -> Int {
        (max(length - kernel, 0) + stride - 1) / stride + 1
    }

    /// The input length the convolution then reads: `(outputs − 1) · stride + kernel`.
    static func coveringInputLength(_ length: Int, kernel: Int, stride: Int) -> Int {
        (coveringOutputLength(length, kernel: kernel, stride: stride) - 1) * stride + kernel
    }
}
