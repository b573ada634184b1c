import Foundation
import PRIMANN

extension BenchmarkRows {
    /// `PRIMA_BENCH_FROZEN=bf16` (Benchmarks/interleave.py's Swift bf16 side), the package's counterpart of
    /// PyTorch's bf16 autocast: frozen Linear weights stored in bf16 and every Linear's products in bf16
    /// (`computeLinearProducts(in: .bfloat16)`, trainable layers included). Unset: Float32 throughout.
    static let frozenInBFloat16 = ProcessInfo.processInfo.environment["PRIMA_BENCH_FROZEN"] == "bf16"

    /// Applies the chosen precision mode to `model` (after any freezing and LoRA, which decide what is frozen).
    static func applyPrecisionMode(_ model: Module) {
        guard frozenInBFloat16 else { return }
        model.storeFrozenWeights(as: .bfloat16)
        model.computeLinearProducts(in: .bfloat16)
    }

    /// For the inference rows: freezes `model` (no weight needs a gradient there), so that the bf16 mode stores its
    /// Linear weights in bf16 once instead of rounding the Float32 weights on every call, then applies the mode.
    static func applyInferencePrecisionMode(_ model: Module) {
        model.freeze()
        applyPrecisionMode(model)
    }
}
