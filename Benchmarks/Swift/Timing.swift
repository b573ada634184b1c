import Foundation

/// Wall-clock timing with warm-up and the median of repeated runs.
enum Timing {
    static func now() -> Double { seconds(CLOCK_MONOTONIC) }

    /// CPU time of the whole process (all threads), in seconds.
    static func processCPUTime() -> Double { seconds(CLOCK_PROCESS_CPUTIME_ID) }

    private static func seconds(_ clock: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Median process CPU seconds per call of the last ``median(warmup:minRuns:maxRuns:minSeconds:inner:_:)``:
    /// unlike wall time it hardly moves when other processes share the cores (threads waiting for work do not
    /// count), so it compares two builds of the package on a busy machine. Printed as `<row>_cpu_s`.
    nonisolated(unsafe) static var lastMedianCPUSeconds: Double?

    /// Median seconds per call of `body`, after `warmup` calls; repeats until `minRuns` runs and at least
    /// `minSeconds` have passed (capped at `maxRuns`). Calls that are very short are batched `inner` times.
    static func median(warmup: Int = 2, minRuns: Int = 7, maxRuns: Int = 200, minSeconds: Double = 1.0,
                       inner: Int = 1, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        var samples: [Double] = [], cpuSamples: [Double] = []
        let start = now()
        while samples.count < minRuns || (now() - start < minSeconds && samples.count < maxRuns) {
            let t0 = now(), cpu0 = processCPUTime()
            for _ in 0..<inner { body() }
            samples.append((now() - t0) / Double(inner))
            cpuSamples.append((processCPUTime() - cpu0) / Double(inner))
        }
        samples.sort()
        cpuSamples.sort()
        lastMedianCPUSeconds = cpuSamples[cpuSamples.count / 2]
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
