/// L2 normalisation and cosine similarity (PyTorch `F.normalize` and `F.cosine_similarity`).
extension Tensor {
    /// `x / max(||x||_2, eps)` along `axis` (PyTorch `F.normalize(x, p=2, dim=axis, eps=eps)`).
    public func l2Normalized(axis: Int = -1, eps: Float = 1e-12) -> Tensor {
        normalisedByClampedNorm(axis: Shape.axis(axis, rank: rank), eps: eps, gradientThroughClamp: false)
    }

    /// Cosine similarity of `a` and `b` (broadcast together) along `axis`: the sum of the products of the two
    /// normalised vectors, each norm clamped at `eps` (PyTorch `F.cosine_similarity`). The axis is removed.
    public static func cosineSimilarity(_ a: Tensor, _ b: Tensor, axis: Int = 1, eps: Float = 1e-8) -> Tensor {
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            preconditionFailure("cosine similarity of shapes \(a.shape) and \(b.shape), which do not broadcast")
        }
        let ax = Shape.axis(axis, rank: shape.count)
        // PyTorch clamps the norms outside autodiff, so the gradient treats them as unclamped.
        let na = a.expanded(to: shape).normalisedByClampedNorm(axis: ax, eps: eps, gradientThroughClamp: true)
        let nb = b.expanded(to: shape).normalisedByClampedNorm(axis: ax, eps: eps, gradientThroughClamp: true)
        return (na * nb).sum(axis: ax)
    }

    /// `y = x / d` with `n = ||x||` along `axis` and `d = max(n, eps)`. The gradient is
    /// `g / d - x * sum(g * x) * c` with `c = 1 / (d^2 n)` where the norm's derivative counts: always for a
    /// non-zero norm when `gradientThroughClamp` (cosine similarity), else only where `n >= eps` (normalize).
    private func normalisedByClampedNorm(axis: Int, eps: Float, gradientThroughClamp: Bool) -> Tensor {
        let x = detached()
        let (norm, clamped) = noGrad {
            let n = (x * x).sum(axis: axis, keepDims: true).sqrt()
            return (n, n.clamped(min: eps))
        }
        let out = noGrad { x / clamped }
        return Tensor.record(out, inputs: [self]) { g in
            let coefficient = Tensor(uninitializedShape: norm.shape)
            let pn = norm.storage.pointer, pd = clamped.storage.pointer, pc = coefficient.storage.pointer
            for i in 0..<norm.count {
                let n = pn[i], d = pd[i]
                let counts = n > 0 && (gradientThroughClamp || n >= eps)
                pc[i] = counts ? 1 / (d * d * n) : 0
            }
            return [g / clamped - x * ((g * x).sum(axis: axis, keepDims: true) * coefficient)]
        }
    }
}
