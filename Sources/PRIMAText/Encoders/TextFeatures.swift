import PRIMATensor

/// What the text encoder gives for a batch of texts: PRIMA's `q = [q^cls, q^seq]`.
public struct TextFeatures: Sendable {
    /// `[B, hidden]`: the final hidden state of the first token (`[CLS]`), the sequence feature.
    public var cls: Tensor
    /// `[B, L, hidden]`: the final hidden state of every position (padding included; see ``mask``).
    public var tokens: Tensor
    /// `[B, L]`: 1 for real tokens, 0 for padding.
    public var mask: Tensor
    /// `[B, L]`: 1 for word tokens only, 0 for padding and special tokens (`[CLS]`, `[SEP]`, …): the tokens
    /// PRIMA's local loss pairs with image patches.
    public var wordMask: Tensor

    /// Features of a batch; every tensor's first axis is the batch. Code outside the package builds these for its
    /// own encoders, losses and tests.
    public init(cls: Tensor, tokens: Tensor, mask: Tensor, wordMask: Tensor) {
        self.cls = cls
        self.tokens = tokens
        self.mask = mask
        self.wordMask = wordMask
    }

    /// Number of texts B.
    public var batchSize: Int { cls.shape.first ?? 0 }

    /// `[B, hidden]`: the mean of the token features over ``mask`` (sentence-transformers' mean pooling).
    public func meanPooled() -> Tensor {
        let weights = mask.unsqueezed(-1)
        return (tokens * weights).sum(axis: 1) / weights.sum(axis: 1).clamped(min: 1e-9)
    }
}
