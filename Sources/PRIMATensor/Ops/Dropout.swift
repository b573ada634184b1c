/// Inverted dropout: zeroes elements with probability `p` and scales the survivors by `1 / (1 - p)`, so the
/// expected value is unchanged and evaluation needs no rescaling.
extension Tensor {
    /// Drops each element with `probability` when `training` (the identity otherwise), drawing the mask from
    /// `rng`, so the same generator state gives the same mask. `probability` 1 gives zeros.
    public func dropout(probability: Float, training: Bool = true, using rng: inout RandomGenerator) -> Tensor {
        precondition(probability >= 0 && probability <= 1, "dropout probability \(probability) outside [0, 1]")
        guard training, probability > 0, count > 0 else { return self }
        let mask = Tensor.dropoutMask(shape, probability: probability, using: &rng)
        let out = Tensor.broadcastMap(self, mask, MulFunction.self)
        return Tensor.record(out, inputs: [self]) { g in [Tensor.broadcastMap(g, mask, MulFunction.self)] }
    }

    /// `1 / (1 - p)` with probability `1 - p`, else 0. Each 64-bit draw gives two 24-bit uniforms.
    static func dropoutMask(_ shape: [Int], probability p: Float, using rng: inout RandomGenerator) -> Tensor {
        let mask = Tensor(uninitializedShape: shape)
        let n = mask.count, pm = mask.storage.pointer
        let keep: Float = p < 1 ? 1 / (1 - p) : 0
        var i = 0
        while i < n {
            let bits = rng.next()
            pm[i] = Float(bits >> 40) * 0x1p-24 < p ? 0 : keep
            if i + 1 < n { pm[i + 1] = Float((bits >> 8) & 0xFF_FFFF) * 0x1p-24 < p ? 0 : keep }
            i += 2
        }
        return mask
    }
}
