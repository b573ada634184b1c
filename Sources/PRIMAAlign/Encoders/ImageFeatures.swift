import PRIMATensor

/// The layout of an image encoder's local tokens: `height × width` patches in row-major order.
public struct PatchGrid: Sendable, Equatable, Hashable, Codable {
    /// Patch rows.
    public var height: Int
    /// Patch columns.
    public var width: Int

    /// A grid of `height × width` patches.
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// Number of patches, `height · width`.
    public var count: Int { height * width }
}

/// What an image encoder gives for a batch of images: PRIMA's `p = [p^cls, p^seq]`.
///
/// Built by ``ImageEncoder`` implementations from their raw outputs, by the projection heads in the shared
/// space, or by hand (tests, custom losses): every property is public and so is the initialiser.
public struct ImageFeatures: Sendable {
    /// `[B, D]`: the global feature of each image (DINOv3: the CLS token).
    public var global: Tensor
    /// `[B, K, D]`: the local features (DINOv3: the patch tokens, registers dropped), or nil for an encoder
    /// that has none (such an encoder cannot be used with the local semantic loss).
    public var tokens: Tensor?
    /// The spatial layout of ``tokens`` (`K = grid.count`), so heatmaps and 2-D downsampling know where each
    /// token lies; nil when ``tokens`` is nil or has no grid layout.
    public var grid: PatchGrid?

    /// Features of a batch; `tokens` and `grid` are optional.
    public init(global: Tensor, tokens: Tensor? = nil, grid: PatchGrid? = nil) {
        self.global = global
        self.tokens = tokens
        self.grid = grid
    }

    /// Number of images B.
    public var batchSize: Int { global.shape.first ?? 0 }
}
