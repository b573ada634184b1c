import PRIMATensor

/// Area under the ROC curve, binary and one-vs-rest, equal to `sklearn.metrics.roc_auc_score`.
///
/// Scores are always a `Tensor` (`[N]` for `binary(positives:scores:)`, `[N, K]` probabilities or logits for
/// the one-vs-rest forms), as models produce them; only their order matters.
///
/// The area is computed from average ranks (the Mann–Whitney statistic), which equals the trapezoidal
/// area under the ROC curve with tied scores counted as half; it is `nil` where it is undefined (no positive
/// or no negative sample), where scikit-learn raises.
public enum ROCAUC {
    /// AUC of `scores` (`[N]`) for separating `positives` (true) from the rest; `nil` when one side is empty.
    /// - Throws: ``DataError`` when `scores` is not a vector of one score per label.
    public static func binary(positives: [Bool], scores: Tensor) throws -> Double? {
        guard scores.rank == 1, scores.shape[0] == positives.count else {
            throw DataError(.invalidArgument, "scores of shape \(scores.shape) for \(positives.count) labels; expected [N]")
        }
        return rankAUC(positives: positives, scores: scores.scalars)
    }

    /// AUC of `scores` for separating `positives` from the rest.
    @available(*, deprecated, message: "pass the scores as a Tensor of shape [N]: binary(positives:scores:) with Tensor(scores.map(Float.init))")
    public static func binary(positives: [Bool], scores: [Double]) -> Double? {
        precondition(positives.count == scores.count, "\(positives.count) labels for \(scores.count) scores")
        return rankAUC(positives: positives, scores: scores)
    }

    /// The Mann–Whitney statistic with average ranks for ties, normalised to [0, 1].
    private static func rankAUC<Score: Comparable>(positives: [Bool], scores: [Score]) -> Double? {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
            // Ranks start..<end (1-based: start+1 ... end) share their mean.
            let meanRank = Double(start + 1 + end) / 2
            for i in start..<end where positives[order[i]] { positiveRankSum += meanRank }
            start = end
        }
        let p = Double(positives.lazy.filter { $0 }.count)
        let n = Double(positives.count) - p
        guard p > 0, n > 0 else { return nil }
        return (positiveRankSum - p * (p + 1) / 2) / (p * n)
    }

    /// One-vs-rest AUC of each class: class c's score column against `labels == c`.
    /// - Parameters:
    ///   - labels: the class index of each sample.
    ///   - scores: [N, K] class scores (probabilities or logits; only their order matters).
    /// - Throws: ``DataError`` when the shapes disagree or a label is outside `0..<K`.
    public static func oneVsRest(labels: [Int], scores: Tensor) throws -> [Double?] {
        guard scores.rank == 2, scores.shape[0] == labels.count else {
            throw DataError(.invalidArgument, "scores of shape \(scores.shape) for \(labels.count) labels; expected [N, K]")
        }
        let k = scores.shape[1]
        if let bad = labels.firstIndex(where: { !(0..<k).contains($0) }) {
            throw DataError(.invalidArgument, "sample \(bad): label \(labels[bad]) outside 0..<\(k)")
        }
        let values = scores.scalars
        return (0..<k).map { c in
            rankAUC(positives: labels.map { $0 == c }, scores: (0..<labels.count).map { values[$0 * k + c] })
        }
    }

    /// Macro one-vs-rest AUC (`roc_auc_score(multi_class="ovr", average="macro")`); for two classes, the
    /// binary AUC of the class-1 score, as scikit-learn computes it. `nil` if any class's AUC is undefined.
    public static func macroOneVsRest(labels: [Int], scores: Tensor) throws -> Double? {
        let perClass = try oneVsRest(labels: labels, scores: scores)
        if perClass.count == 2 { return perClass[1] }
        let defined = perClass.compactMap { $0 }
        guard defined.count == perClass.count, !defined.isEmpty else { return nil }
        return defined.reduce(0, +) / Double(defined.count)
    }
}
