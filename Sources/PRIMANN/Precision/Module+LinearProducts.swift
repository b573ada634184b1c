import PRIMATensor

extension Module {
    /// Sets the precision of the products of every ``Linear`` in the module tree (``Linear/bfloat16Products``):
    /// the package's counterpart of PyTorch's `torch.autocast("cpu", dtype=torch.bfloat16)` for linear layers.
    ///
    /// With `BFloat16Products.bfloat16` every Linear, trainable or frozen, LoRA adapters and heads included,
    /// rounds its input, its weight (when stored in Float32) and, backward, its output gradient to bfloat16 and
    /// accumulates in Float32; on a CPU with native bf16 dot products they run on oneDNN's bf16 kernels, about
    /// twice Float32 GEMM throughput. Parameters, gradients and optimiser state stay Float32 (a trainable
    /// weight is the Float32 master copy, rounded afresh on each call), as do norms, softmax, attention and
    /// losses. It composes with ``storeFrozenWeights(as:products:)``, which halves the frozen weights' memory:
    /// `storeFrozenWeights(as: .bfloat16)` then `computeLinearProducts(in: .bfloat16)` is the full bf16 mode.
    /// `.float32` restores exact Float32 products everywhere.
    /// - Returns: the number of Linear layers.
    @discardableResult
    public func computeLinearProducts(in products: BFloat16Products) -> Int {
        var count = 0
        for (_, module) in namedModules() {
            guard let linear = module as? Linear else { continue }
            linear.bfloat16Products = products
            count += 1
        }
        return count
    }
}
