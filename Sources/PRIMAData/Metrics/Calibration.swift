import Foundation

/// How well predicted probabilities match observed frequencies: the expected calibration error (ECE) and the
/// bins of a reliability diagram.
///
/// Convention (Guo et al., 2017, "On Calibration of Modern Neural Networks"): each sample's confidence is its
/// top-class probability and it counts as correct when that class (the prediction) is the true one. The
/// confidences are sorted into ``binCount`` equal-width bins (i/B, (i+1)/B] — upper edge inclusive, edges
/// computed as i / B; a confidence of exactly 0 goes to the first bin — and
/// ECE = Σ_b (n_b / N) · |accuracy_b − mean confidence_b| over the non-empty bins. 0 is perfectly calibrated;
/// a model that says 90% and is right 70% of the time scores 0.2. Checked against a NumPy implementation
/// in the tests (Scripts/reference/gen_statistics.py).
public struct Calibration: Sendable, Equatable, Codable {
    /// The bins of the paper-independent default: 15, as Guo et al. and most calibration studies use.
    public static let defaultBinCount = 15

    /// One confidence bin of the reliability diagram.
    public struct Bin: Sendable, Equatable, Codable {
        /// The bin's edges: confidences in (lower, upper].
        public let lower, upper: Double
        /// Samples whose confidence falls in the bin.
        public let count: Int
        /// Their mean confidence; nil for an empty bin.
        public let meanConfidence: Double?
        /// The share of them predicted correctly; nil for an empty bin.
        public let accuracy: Double?
    }

    /// Number of bins B.
    public let binCount: Int
    /// The bins, from low to high confidence.
    public let bins: [Bin]
    /// Samples counted, N.
    public let sampleCount: Int
    /// The expected calibration error, in [0, 1].
    public let expectedCalibrationError: Double

    /// The calibration of predictions with top-class `confidences` and `correct` flags.
    /// - Precondition: equal counts, at least one sample, confidences in [0, 1].
    public init(confidences: [Double], correct: [Bool], binCount: Int = defaultBinCount) {
        precondition(confidences.count == correct.count, "\(confidences.count) confidences for \(correct.count) outcomes")
        precondition(!confidences.isEmpty, "calibration of no predictions")
        precondition(binCount >= 1, "need at least one bin")
        var counts = [Int](repeating: 0, count: binCount)
        var confidenceSums = [Double](repeating: 0, count: binCount)
        var correctCounts = [Int](repeating: 0, count: binCount)
        for (confidence, isCorrect) in zip(confidences, correct) {
            precondition((0...1).contains(confidence), "a confidence must be a probability, got \(confidence)")
            let b = Self.bin(of: confidence, binCount: binCount)
            counts[b] += 1
            confidenceSums[b] += confidence
            if isCorrect { correctCounts[b] += 1 }
        }
        let total = Double(confidences.count)
        var ece = 0.0
        bins = (0..<binCount).map { b in
            let lower = Double(b) / Double(binCount), upper = Double(b + 1) / Double(binCount)
            guard counts[b] > 0 else { return Bin(lower: lower, upper: upper, count: 0, meanConfidence: nil, accuracy: nil) }
            let confidence = confidenceSums[b] / Double(counts[b]), accuracy = Double(correctCounts[b]) / Double(counts[b])
            ece += Double(counts[b]) / total * abs(accuracy - confidence)
            return Bin(lower: lower, upper: upper, count: counts[b], meanConfidence: confidence, accuracy: accuracy)
        }
        self.binCount = binCount
        sampleCount = confidences.count
        expectedCalibrationError = ece
    }

    /// The calibration of class-probability rows `probabilities` [N][K] against the true `labels`: the
    /// confidence is a row's largest probability, and the prediction its first arg-max.
    public init(probabilities: [[Double]], labels: [Int], binCount: Int = defaultBinCount) {
        precondition(probabilities.count == labels.count, "\(probabilities.count) probability rows for \(labels.count) labels")
        var confidences: [Double] = [], correct: [Bool] = []
        confidences.reserveCapacity(labels.count)
        correct.reserveCapacity(labels.count)
        for (row, label) in zip(probabilities, labels) {
            precondition(!row.isEmpty, "a probability row needs at least one class")
            let predicted = row.indices.reduce(0) { row[$1] > row[$0] ? $1 : $0 }
            confidences.append(row[predicted])
            correct.append(predicted == label)
        }
        self.init(confidences: confidences, correct: correct, binCount: binCount)
    }

    /// The bin of a confidence: the i with i/B < confidence ≤ (i+1)/B, comparing against the edges exactly as
    /// they are computed (i / B), so that a confidence on an edge lands where the convention says.
    static func bin(of confidence: Double, binCount: Int) -> Int {
        var b = min(binCount - 1, max(0, Int((confidence * Double(binCount)).rounded(.up)) - 1))
        while b > 0 && confidence <= Double(b) / Double(binCount) { b -= 1 }
        while b < binCount - 1 && confidence > Double(b + 1) / Double(binCount) { b += 1 }
        return b
    }
}
