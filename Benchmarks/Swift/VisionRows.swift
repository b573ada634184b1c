import Foundation
import PRIMANN
import PRIMATensor
import PRIMAVision

/// DINOv3 ViT-S/16 rows (random seeded weights, batch 8, 224×224): inference without gradients, training
/// with every parameter trainable, and training of rank-32 LoRA adapters on a frozen backbone. The loss is
/// the mean of `last_hidden_state`. Each row also prints its own peak resident memory as
/// `<row>_peak_rss_mib`: freed heap is returned to the system (`malloc_trim`) and the process peak reset
/// (/proc/self/clear_refs) before the row, so earlier rows do not count. Large tensor buffers come from
/// PRIMATensor's own pool (`TensorMemory`), whose mapped total stays within the live peak; buffers cached
/// by an earlier row in the same process still count.
extension BenchmarkRows {
    static func vision() -> [Row] {
        func model() -> DINOv3Model {
            var rng = RandomGenerator(seed: 0)
            return DINOv3Model(config: .vitSmall16, using: &rng)
        }
        func pixels() -> Tensor {
            var rng = RandomGenerator(seed: 1)
            return Tensor.randomNormal([8, 3, 224, 224], using: &rng)
        }
        return [
            Row(name: "dinov3_vits16_b8_inference") {
                measuringPeakMemory("dinov3_vits16_b8_inference") {
                    let encoder = model(), x = pixels()
                    encoder.eval()
                    applyInferencePrecisionMode(encoder)
                    return Timing.median(warmup: 1, minRuns: 5) { _ = noGrad { encoder(x) } }
                }
            },
            Row(name: "dinov3_vits16_b8_train_full") {
                measuringPeakMemory("dinov3_vits16_b8_train_full") {
                    let encoder = model(), x = pixels()
                    applyPrecisionMode(encoder)
                    return Timing.median(warmup: 1, minRuns: 5) {
                        encoder(x).lastHiddenState.mean().backward()
                        encoder.zeroGrad()
                    }
                }
            },
            Row(name: "dinov3_vits16_b8_train_lora32") {
                measuringPeakMemory("dinov3_vits16_b8_train_lora32") {
                    let encoder = model(), x = pixels()
                    var rng = RandomGenerator(seed: 2)
                    _ = try? encoder.applyLoRA(.dinov3(rank: 32), using: &rng)
                    applyPrecisionMode(encoder)
                    return Timing.median(warmup: 1, minRuns: 5) {
                        encoder(x).lastHiddenState.mean().backward()
                        encoder.zeroGrad()
                    }
                }
            },
        ]
    }

    /// Runs `body` with the process's peak RSS reset first, then prints the row's own peak.
    private static func measuringPeakMemory(_ name: String, _ body: () -> Double) -> Double {
        returnFreedHeap()
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let seconds = body()
        FileHandle.standardOutput.write(Data("\(name)_peak_rss_mib\t\(Timing.peakRSSMiB())\n".utf8))
        return seconds
    }

    /// glibc's `malloc_trim(0)` (not exported by the Glibc module, so looked up by name).
    private static func returnFreedHeap() {
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    }
}
