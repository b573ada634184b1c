// prima-bench: times PRIMATensor kernels; Benchmarks/run.sh runs it beside its PyTorch twin
// (Benchmarks/PyTorch/bench.py, same row names) and prints one table with the ratios.
//
// Usage: prima-bench [row-name-prefix ...]   (prints "row<TAB>median seconds" lines)
// PRIMA_BENCH_CACHE_HEADROOM=F sets TensorMemory's cache headroom (default 0.25) for comparing pool settings.
import COpenBLAS
import Foundation
import PRIMATensor

/// Benchmark inputs: normal samples from a generator seeded per call (inputs do not affect timings).
func random(_ shape: [Int]) -> Tensor {
    var rng = RandomGenerator(seed: UInt64(Shape.count(shape)))
    return Tensor.randomNormal(shape, using: &rng)
}

/// One benchmark row: returns the median seconds per call.
struct Row {
    let name: String
    let run: () -> Double
}

func matmulRow(_ n: Int) -> Row {
    Row(name: "matmul_\(n)") {
        let a = random([n, n]), b = random([n, n])
        return Timing.median(minRuns: 5) { _ = noGrad { Tensor.matmul(a, b) } }
    }
}

func sgemmRow(_ n: Int) -> Row {
    Row(name: "sgemm_raw_\(n)") {
        let a = random([n, n]), b = random([n, n])
        let c = Tensor(uninitializedShape: [n, n])
        return Timing.median(minRuns: 5) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                        a.storage.pointer, Int32(n), b.storage.pointer, Int32(n), 0, c.storage.pointer, Int32(n))
        }
    }
}

/// Forward-only and forward+backward rows for a unary op.
func unaryRows(_ name: String, _ shape: [Int], _ op: @escaping (Tensor) -> Tensor) -> [Row] {
    [
        Row(name: "\(name)_fwd") {
            let x = random(shape)
            return Timing.median { _ = noGrad { op(x) } }
        },
        Row(name: "\(name)_fwdbwd") {
            let x = random(shape).requiringGrad()
            let seed = random(shape)
            return Timing.median {
                op(x).backward(seed)
                x.zeroGrad()
            }
        },
    ]
}

var rows: [Row] = [512, 1024, 2048].flatMap { [matmulRow($0), sgemmRow($0)] }
rows += unaryRows("gelu_8x201x1536", [8, 201, 1536]) { $0.gelu() }
rows += BenchmarkRows.neural(random)
rows += BenchmarkRows.vision()
rows += BenchmarkRows.text()
rows += BenchmarkRows.fusion()
rows += BenchmarkRows.align()
rows += BenchmarkRows.stageThree()
rows.append(Row(name: "tiny_add_overhead") {
    let a = random([4]), b = random([4])
    return Timing.median(minRuns: 5, inner: 10_000) { _ = a + b }
})
rows.append(Row(name: "tiny_add_grad_overhead") {
    let a = random([4]).requiringGrad(), b = random([4])
    return Timing.median(minRuns: 5, inner: 10_000) { _ = a + b }
})

if let headroom = ProcessInfo.processInfo.environment["PRIMA_BENCH_CACHE_HEADROOM"] {
    do {
        guard let fraction = Double(headroom) else {
            throw TensorError.invalidArgument("PRIMA_BENCH_CACHE_HEADROOM is not a number: '\(headroom)'")
        }
        try TensorMemory.setCacheHeadroom(fraction)
    } catch {
        FileHandle.standardError.write(Data("prima-bench: \(error)\n".utf8))
        exit(2)
    }
}

let filters = Array(CommandLine.arguments.dropFirst())
for row in rows where filters.isEmpty || filters.contains(where: { row.name.hasPrefix($0) }) {
    Timing.lastMedianCPUSeconds = nil
    let seconds = row.run()
    FileHandle.standardOutput.write(Data("\(row.name)\t\(seconds)\n".utf8))
    if let cpu = Timing.lastMedianCPUSeconds {
        FileHandle.standardOutput.write(Data("\(row.name)_cpu_s\t\(cpu)\n".utf8))
    }
}
print("peak_rss_mib\t\(Timing.peakRSSMiB())")
