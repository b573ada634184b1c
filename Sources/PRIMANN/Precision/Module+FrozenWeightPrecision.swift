import PRIMATensor

extension Module {
    /// Stores the frozen weights of every ``Linear`` in the module tree in `precision`, the one switch
    /// of the bfloat16 mode (as simple as autocast, but for storage).
    ///
    /// With `.bfloat16`, each frozen `Linear.weight` (the matrices that hold nearly all of a frozen
    /// backbone's bytes) is rounded to bfloat16 and its Float32 copy freed; those layers then multiply
    /// through `BFloat16GEMM` (Float32 accumulation) and pass gradients on to their inputs. Everything
    /// else stays Float32: trainable parameters (LoRA adapters, heads), norms and biases (small, and
    /// rounding them costs accuracy for no memory), embeddings read by row lookups and convolution kernels.
    /// Call it after freezing (e.g. after `LoRA.apply` with `freezeBase`); unfreezing a parameter later
    /// widens it back to Float32. `.float32` widens every bfloat16 parameter back.
    ///
    /// Checkpoints then load into the bfloat16 weights without widening (``loadSafeTensors(_:strict:ignoring:stripping:source:)``).
    ///
    /// `products` is the speed switch, as autocast is PyTorch's: `BFloat16Products.bfloat16` rounds the
    /// activations entering those layers' products to bf16 too and runs them on oneDNN's native bf16 kernels
    /// where the CPU has them (about twice Float32 GEMM throughput); `BFloat16Products.float32`
    /// keeps the activations exact. It is set on every Linear whose weight is stored in bf16; nil (the default)
    /// leaves each layer's setting as it is (``Linear/bfloat16Products``, `.float32` unless set, e.g. by
    /// ``computeLinearProducts(in:)``, the switch for every Linear, trainable ones included).
    /// - Returns: the number of parameters whose storage changed.
    @discardableResult
    public func storeFrozenWeights(as precision: WeightPrecision, products: BFloat16Products? = nil) -> Int {
        var changed = 0
        switch precision {
        case .bfloat16:
            for (_, module) in namedModules() {
                guard let linear = module as? Linear, linear.weight.isFrozen else { continue }
                if linear.weight.precision == .float32 {
                    linear.weight.storeInBFloat16()
                    changed += 1
                }
                if let products { linear.bfloat16Products = products }
            }
        case .float32:
            for p in parameters where p.precision == .bfloat16 {
                p.storeInFloat32()
                changed += 1
            }
        }
        return changed
    }

    /// Bytes held by the parameters' values as stored (4 per Float32 value, 2 per bfloat16 value);
    /// gradients and optimiser state are not counted.
    public var parameterByteCount: Int {
        parameters.reduce(0) { $0 + $1.count * ($1.precision == .bfloat16 ? 2 : 4) }
    }
}
