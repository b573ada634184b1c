import PRIMATensor

/// Building blocks of the contrastive losses, on the tape so that every gradient comes from autodiff.
enum ContrastiveMath {
    /// `sim(a_r, b_c) = cos(a_r, b_c) / τ` for every pair: `[..., R, D] × [..., C, D] → [..., R, C]`
    /// (one batched matrix product of the unit vectors).
    static func similarityLogits(_ a: Tensor, _ b: Tensor, temperature: Tensor) -> Tensor {
        Tensor.matmul(a.l2Normalized(), b.l2Normalized(), transposeB: true) / temperature
    }

    /// `m[..., r, r]` for every row r of `m` `[..., R, C]` (C ≥ R): the positive pair of each row → `[..., R]`.
    static func diagonal(_ m: Tensor) -> Tensor {
        let rows = m.shape[m.rank - 2]
        let batch = m.shape.dropLast(2).reduce(1, *)
        var indices = [Float]()
        indices.reserveCapacity(batch * rows)
        for _ in 0..<batch { for r in 0..<rows { indices.append(Float(r)) } }
        let indexShape = Array(m.shape.dropLast()) + [1]
        return m.gather(axis: -1, indices: Tensor(shape: indexShape, scalars: indices)).squeezed(-1)
    }

    /// A `[n, n]` tensor with ones on the diagonal.
    static func identity(_ n: Int) -> Tensor {
        var scalars = [Float](repeating: 0, count: n * n)
        for i in 0..<n { scalars[i * n + i] = 1 }
        return Tensor(shape: [n, n], scalars: scalars)
    }
}
