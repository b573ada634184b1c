import Foundation

/// Wall-clock timing with warm-up and the median of repeated runs.
enum Timing {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Median seconds per call of `body`, after `warmup` calls; repeats until `minRuns` runs and at least
    /// `minSeconds` have passed (capped at `maxRuns`). Calls that are very short are batched `inner` times.
    static func median(warmup: Int = 2, minRuns: Int = 7, maxRuns: Int = 200, minSeconds: Double = 1.0,
                       inner: Int = 1, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        var samples: [Double] = []
        let start = now()
        while samples.count < minRuns || (now() - start < minSeconds && samples.count < maxRuns) {
            let t0 = now()
            for _ in 0..<inner { body() }
            samples.append((now() - t0) / Double(inner))
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// Peak resident set size of this process in MiB (VmHWM).
    static func peakRSSMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }
}
