import Foundation
import PRIMANN

extension BenchmarkRows {
    /// `PRIMA_BENCH_FROZEN=bf16` (Benchmarks/interleave.py's Swift bf16 side): the rows that train adapters on a
    /// frozen backbone (and the stage-2 step's frozen text encoder) store the frozen weights in bf16 with bf16
    /// products, the package's counterpart of PyTorch's bf16 autocast. Other rows run as in float32.
    static let frozenInBFloat16 = ProcessInfo.processInfo.environment["PRIMA_BENCH_FROZEN"] == "bf16"

    /// Applies the chosen frozen-weight mode to `model`, whose backbone is frozen already.
    static func applyFrozenWeightMode(_ model: Module) {
        if frozenInBFloat16 { model.storeFrozenWeights(as: .bfloat16, products: .bfloat16) }
    }
}
