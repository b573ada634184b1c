import PRIMATensor

/// Rows for the fused neural kernels (softmax, layer norm, attention).
enum BenchmarkRows {
    static func neural(_ random: @escaping ([Int]) -> Tensor) -> [Row] {
        []
    }
}
