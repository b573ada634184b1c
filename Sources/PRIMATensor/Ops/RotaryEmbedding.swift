import Foundation

/// Rotary position embedding (RoPE) in Hugging Face's "rotate half" layout: the two halves of the head
/// dimension are the two coordinates of each rotated pair, `x·cos + rotate_half(x)·sin` with
/// `rotate_half(x) = cat(-x₂, x₁)`.
extension Tensor {
    /// Rotates `self` (`[..., L, D]`, typically `[B, H, L, D]`) by the angles whose cosines and sines are
    /// given; `cos` and `sin` have equal shapes that broadcast to `self` (`[L, D]`, `[B, 1, L, D]`, ...).
    ///
    /// Differentiable with respect to `self`; the tables are constants (they must not require gradients).
    public func applyingRotaryEmbedding(cos: Tensor, sin: Tensor) -> Tensor {
        precondition(rank >= 1 && shape[rank - 1] % 2 == 0, "rotary embedding needs an even last axis, got \(shape)")
        precondition(cos.shape == sin.shape, "rotary embedding: cos \(cos.shape) and sin \(sin.shape) differ")
        precondition(Shape.broadcast(shape, cos.shape) == shape,
                     "rotary embedding: tables \(cos.shape) do not broadcast to \(shape)")
        precondition(!cos.requiresGrad && !sin.requiresGrad, "rotary embedding: cos/sin tables are not differentiable")
        let out = Tensor.rotate(self, cos: cos, sin: sin, transposed: false)
        return Tensor.record(out, inputs: [self]) { g in
            [Tensor.rotate(g, cos: cos, sin: sin, transposed: true)]
        }
    }

    /// Hugging Face's default RoPE inverse frequencies `1 / theta^(2i / headDim)` for `i < headDim / 2`,
    /// rounded through float32 as `transformers` computes them.
    public static func rotaryInverseFrequencies(headDim: Int, theta: Float = 10_000) -> [Float] {
        precondition(headDim > 0 && headDim % 2 == 0, "rotary embedding needs an even head size, got \(headDim)")
        return (0..<(headDim / 2)).map { i in
            let exponent = Float(2 * i) / Float(headDim)
            return 1 / Float(Foundation.pow(Double(theta), Double(exponent)))
        }
    }

    /// Cos/sin tables of shape `positions.shape + [headDim]` for 1-D positions with the default RoPE:
    /// angle `position · inverseFrequency[i]`, repeated for both halves of the head dimension.
    public static func rotaryEmbedding(positions: Tensor, headDim: Int, theta: Float = 10_000) -> (cos: Tensor, sin: Tensor) {
        let inverse = rotaryInverseFrequencies(headDim: headDim, theta: theta)
        let half = headDim / 2
        let angles = Tensor(uninitializedShape: positions.shape + [half])
        let pa = angles.storage.pointer, pp = positions.storage.pointer
        for n in 0..<positions.count {
            for i in 0..<half { pa[n * half + i] = pp[n] * inverse[i] }
        }
        return rotaryEmbedding(angles: angles)
    }

    /// Cos/sin tables `[..., 2K]` from rotation angles `[..., K]`: each angle drives dimension `i` and
    /// `i + K` (`emb = cat(angles, angles)`). Build multi-axis variants (2-D patch grids) by choosing the angles.
    public static func rotaryEmbedding(angles: Tensor) -> (cos: Tensor, sin: Tensor) {
        precondition(angles.rank >= 1, "rotary embedding angles need a last axis")
        let half = angles.shape[angles.rank - 1], rows = half == 0 ? 0 : angles.count / half
        let shape = Array(angles.shape.dropLast()) + [2 * half]
        let cos = Tensor(uninitializedShape: shape), sin = Tensor(uninitializedShape: shape)
        let pa = angles.storage.pointer, pc = cos.storage.pointer, ps = sin.storage.pointer
        for row in 0..<rows {
            for i in 0..<half {
                let a = pa[row * half + i]
                let (c, s) = (Foundation.cos(a), Foundation.sin(a))
                pc[row * 2 * half + i] = c
                pc[row * 2 * half + half + i] = c
                ps[row * 2 * half + i] = s
                ps[row * 2 * half + half + i] = s
            }
        }
        return (cos, sin)
    }

    /// `x·cos + rotate_half(x)·sin`, or with `transposed` its adjoint (the gradient map), over rows of the
    /// last axis; `cos`/`sin` rows are found through broadcast strides.
    private static func rotate(_ x: Tensor, cos: Tensor, sin: Tensor, transposed: Bool) -> Tensor {
        let d = x.shape[x.rank - 1], half = d / 2
        let rows = d == 0 ? 0 : x.count / d
        let lead = Array(x.shape.dropLast())
        let tableStrides = Shape.broadcastStrides(cos.shape, to: x.shape).dropLast()
        var tableRows = [Int](repeating: 0, count: rows)
        for row in 0..<rows {
            var rem = row, offset = 0
            for axis in stride(from: lead.count - 1, through: 0, by: -1) {
                offset += (rem % lead[axis]) * tableStrides[axis]
                rem /= lead[axis]
            }
            tableRows[row] = offset
        }
        let out = Tensor(uninitializedShape: x.shape)
        let px = x.storage.pointer, po = out.storage.pointer
        let pc = cos.storage.pointer, ps = sin.storage.pointer
        tableRows.withUnsafeBufferPointer { offsets in
            Parallel.forEachRange(rows, costPerItem: d * 4) { range in
                for row in range {
                    let xr = px + row * d, o = po + row * d
                    let c = pc + offsets[row], s = ps + offsets[row]
                    if transposed {
                        for i in 0..<half {
                            let (lo, hi) = (xr[i], xr[i + half])
                            o[i] = lo * c[i] + hi * s[i + half]
                            o[i + half] = hi * c[i + half] - lo * s[i]
                        }
                    } else {
                        for i in 0..<half {
                            let (lo, hi) = (xr[i], xr[i + half])
                            o[i] = lo * c[i] - hi * s[i]
                            o[i + half] = hi * c[i + half] + lo * s[i + half]
                        }
                    }
                }
            }
        }
        return out
    }
}
