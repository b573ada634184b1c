import PRIMATensor

/// Gradient clipping by global norm, as `torch.nn.utils.clip_grad_norm_`.
public enum GradientClipping {
    /// Scales every gradient by `min(1, maxNorm / (norm + 1e-6))`, where `norm` is the 2-norm of all
    /// gradients taken together, and returns that norm (before clipping). Parameters without a gradient
    /// are ignored. A non-finite norm is returned as is (the caller decides to stop); gradients are then
    /// scaled by NaN as in PyTorch, so check the result.
    @discardableResult
    public static func clipGradNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
        let grads = parameters.compactMap(\.grad)
        guard !grads.isEmpty else { return 0 }
        // PyTorch: the norm of the per-tensor norms, each a float32.
        var total: Double = 0
        for g in grads {
            var sum: Double = 0
            g.withUnsafeBuffer { for x in $0 { sum += Double(x) * Double(x) } }
            let norm = Float(sum.squareRoot())
            total += Double(norm) * Double(norm)
        }
        let totalNorm = Float(total.squareRoot())
        let coefficient = Swift.min(maxNorm / (totalNorm + 1e-6), 1)
        for p in parameters {
            guard let g = p.grad else { continue }
            p.grad = g.mapScalars { $0 * coefficient }
        }
        return totalNorm
    }

    /// Clips the gradients of every trainable parameter of `module`; see ``clipGradNorm(_:maxNorm:)``.
    @discardableResult
    public static func clipGradNorm(_ module: Module, maxNorm: Float) -> Float {
        clipGradNorm(module.trainableParameters, maxNorm: maxNorm)
    }
}
