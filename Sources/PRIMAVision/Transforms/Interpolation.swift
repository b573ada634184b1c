/// How a resize or a resized crop computes new pixels.
public enum Interpolation: String, Sendable, Codable {
    /// Triangle filter over the 2 nearest pixels (4 in 2-D).
    case bilinear
    /// Cubic convolution filter over the 4 nearest pixels (16 in 2-D).
    case bicubic
}

/// The taps of a 1-D resampling from `inputSize` to `outputSize` samples: output `i` is
/// `Σ_k weights[i * maxTaps + k] · input[starts[i] + k]` for `k < counts[i]`.
///
/// The weights follow PyTorch's `interpolate(..., align_corners=False)`, which torchvision's `resize` calls:
/// - with `antialias`, the filter is stretched by the downscale factor so every input pixel contributes (as in
///   Pillow): support `filterRadius · max(scale, 1)`, taps centred at `scale · (i + 0.5)`, weights renormalised
///   to sum to 1 (also at the borders); bicubic uses `a = -0.5`.
/// - without it, the classic 2-tap bilinear (source index clamped at 0) or 4-tap bicubic with `a = -0.75` and
///   edge pixels repeated.
struct ResampleTaps {
    let starts: [Int]
    let counts: [Int]
    let weights: [Float]
    let maxTaps: Int

    init(inputSize: Int, outputSize: Int, interpolation: Interpolation, antialias: Bool) {
        let scale = Double(inputSize) / Double(outputSize)
        var starts = [Int](repeating: 0, count: outputSize), counts = starts
        var rows: [[Double]] = []
        rows.reserveCapacity(outputSize)
        for i in 0..<outputSize {
            let row: [Double]
            if antialias {
                (starts[i], row) = Self.antialiasedTaps(i, scale: scale, inputSize: inputSize, interpolation: interpolation)
            } else {
                (starts[i], row) = Self.plainTaps(i, scale: scale, inputSize: inputSize, interpolation: interpolation)
            }
            counts[i] = row.count
            rows.append(row)
        }
        let maxTaps = max(counts.max() ?? 1, 1)
        var weights = [Float](repeating: 0, count: outputSize * maxTaps)
        for (i, row) in rows.enumerated() {
            for (k, w) in row.enumerated() { weights[i * maxTaps + k] = Float(w) }
        }
        self.starts = starts
        self.counts = counts
        self.weights = weights
        self.maxTaps = maxTaps
    }

    private static func antialiasedTaps(_ i: Int, scale: Double, inputSize: Int, interpolation: Interpolation) -> (Int, [Double]) {
        let radius: Double = interpolation == .bilinear ? 1 : 2
        let support = scale >= 1 ? radius * scale : radius
        let inverseScale = scale >= 1 ? 1 / scale : 1
        let center = scale * (Double(i) + 0.5)
        // Truncation toward zero, as the C++ casts do (the arguments are ≥ -0.5 here).
        let start = max(Int(center - support + 0.5), 0)
        let end = min(Int(center + support + 0.5), inputSize)
        var row = (start..<max(end, start)).map { j in filter(interpolation, (Double(j) - center + 0.5) * inverseScale, a: -0.5) }
        let total = row.reduce(0, +)
        if total != 0 { row = row.map { $0 / total } }
        return (start, row)
    }

    private static func plainTaps(_ i: Int, scale: Double, inputSize: Int, interpolation: Interpolation) -> (Int, [Double]) {
        let source = scale * (Double(i) + 0.5) - 0.5
        switch interpolation {
        case .bilinear:
            let clamped = max(source, 0)
            let i0 = min(Int(clamped), inputSize - 1)
            let lambda = clamped - Double(i0)
            if i0 + 1 < inputSize { return (i0, [1 - lambda, lambda]) }
            return (i0, [1])
        case .bicubic:
            // Taps at floor(source) - 1 … + 2, indices clamped into the image; clamped taps add up on the edge pixel.
            let base = Int(source.rounded(.down)), t = source - Double(base)
            let tapWeights = [filter(.bicubic, t + 1, a: -0.75), filter(.bicubic, t, a: -0.75),
                              filter(.bicubic, 1 - t, a: -0.75), filter(.bicubic, 2 - t, a: -0.75)]
            let clamp = { (j: Int) in min(max(j, 0), inputSize - 1) }
            let start = clamp(base - 1), end = clamp(base + 2)
            var row = [Double](repeating: 0, count: end - start + 1)
            for k in 0..<4 { row[clamp(base - 1 + k) - start] += tapWeights[k] }
            return (start, row)
        }
    }

    /// The triangle filter, or Keys' cubic convolution kernel with parameter `a`.
    private static func filter(_ interpolation: Interpolation, _ x: Double, a: Double) -> Double {
        let x = abs(x)
        switch interpolation {
        case .bilinear:
            return x < 1 ? 1 - x : 0
        case .bicubic:
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }
}
