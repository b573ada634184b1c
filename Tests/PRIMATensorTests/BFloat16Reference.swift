@testable import PRIMATensor

/// Float64 references for the bf16 product tests: products of bf16-rounded operands, and the error measure.
enum BFloat16Reference {
    /// `values` rounded to bf16 (ties to even), as Float64.
    static func rounded(_ values: [Float]) -> [Double] {
        values.map { Double(HalfPrecision.float(fromBFloat16Bits: HalfPrecision.bfloat16Bits(from: $0))) }
    }

    /// `op(A) · op(B)` in Float64 over `a` `[m, k]` (stored `[k, m]` when `transposeA`) and `b` `[k, n]`
    /// (stored `[n, k]` when `transposeB`).
    static func product(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int,
                        transposeA: Bool = false, transposeB: Bool = false) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += (transposeA ? a[p * m + i] : a[i * k + p]) * (transposeB ? b[j * k + p] : b[p * n + j]) }
                c[i * n + j] = sum
            }
        }
        return c
    }

    /// `max|got − want| / max|want|`.
    static func normwiseError(_ got: [Float], _ want: [Double]) -> Double {
        let scale = want.map(abs).max() ?? 1
        return zip(got, want).map { abs(Double($0) - $1) }.max()! / max(scale, 1e-30)
    }
}
