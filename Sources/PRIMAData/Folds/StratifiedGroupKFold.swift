import PRIMATensor

/// Stratified k-fold cross-validation that never puts one group (a patient, or a lesion) in two folds.
///
/// The greedy scheme of scikit-learn's `StratifiedGroupKFold(shuffle=True)`: groups are shuffled by the
/// seed, then stably sorted by how concentrated their labels are (the standard deviation of the group's
/// class counts, largest first); each group in turn goes to the fold that keeps the class proportions
/// across folds most even (the smallest mean over classes of the standard deviation over folds of
/// fold-count / class-total), ties going to the fold with fewest samples, then the lowest index.
public enum StratifiedGroupKFold {
    /// The fold (0..<k) of each sample.
    /// - Parameters:
    ///   - labels: class index per sample.
    ///   - groups: group key per sample (patient id); samples with the same key land in the same fold.
    ///   - k: the number of folds, at least 2.
    ///   - seed: the shuffle seed; the same inputs and seed give the same folds.
    /// - Throws: ``DataError`` `.invalidArgument` when there are fewer groups than folds.
    public static func assign(labels: [Int], groups: [String], folds k: Int = 5, seed: UInt64) throws -> [Int] {
        guard labels.count == groups.count else {
            throw DataError(.invalidArgument, "\(labels.count) labels but \(groups.count) group keys")
        }
        guard k >= 2 else { throw DataError(.invalidArgument, "need at least 2 folds, got \(k)") }
        guard let maxLabel = labels.max(), labels.allSatisfy({ $0 >= 0 }) else {
            throw DataError(.invalidArgument, "no samples, or a negative class index")
        }
        let classes = maxLabel + 1

        // Group keys in first-appearance order, and each group's class counts.
        var groupIndex: [String: Int] = [:], groupOfSample: [Int] = []
        var counts: [[Int]] = []
        for (label, key) in zip(labels, groups) {
            let g: Int
            if let existing = groupIndex[key] { g = existing } else {
                g = counts.count
                groupIndex[key] = g
                counts.append([Int](repeating: 0, count: classes))
            }
            counts[g][label] += 1
            groupOfSample.append(g)
        }
        guard counts.count >= k else {
            throw DataError(.invalidArgument, "\(counts.count) groups cannot fill \(k) folds without splitting a group")
        }

        var rng = RandomGenerator(seed: seed)
        let shuffled = rng.permutation(counts.count)
        let spread = counts.map { standardDeviation($0.map(Double.init)) }
        let order = shuffled.enumerated()
            .sorted { a, b in spread[a.element] != spread[b.element] ? spread[a.element] > spread[b.element] : a.offset < b.offset }
            .map(\.element)

        var classTotals = [Double](repeating: 0, count: classes)
        for c in counts { for (j, n) in c.enumerated() { classTotals[j] += Double(n) } }
        var foldCounts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: k)
        var foldOfGroup = [Int](repeating: 0, count: counts.count)
        for g in order {
            var best = 0, bestEval = Double.infinity, bestSize = Int.max
            for f in 0..<k {
                for j in 0..<classes { foldCounts[f][j] += counts[g][j] }
                let eval = (0..<classes).reduce(0.0) { sum, j in
                    guard classTotals[j] > 0 else { return sum }
                    return sum + standardDeviation((0..<k).map { Double(foldCounts[$0][j]) / classTotals[j] })
                } / Double(classes)
                for j in 0..<classes { foldCounts[f][j] -= counts[g][j] }
                let size = foldCounts[f].reduce(0, +)
                if eval < bestEval - 1e-12 || (abs(eval - bestEval) <= 1e-12 && size < bestSize) {
                    best = f; bestEval = eval; bestSize = size
                }
            }
            for j in 0..<classes { foldCounts[best][j] += counts[g][j] }
            foldOfGroup[g] = best
        }
        return groupOfSample.map { foldOfGroup[$0] }
    }

    private static func standardDeviation(_ x: [Double]) -> Double {
        let mean = x.reduce(0, +) / Double(x.count)
        return (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)).squareRoot()
    }
}
