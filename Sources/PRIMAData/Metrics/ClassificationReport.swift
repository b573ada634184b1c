import PRIMATensor

/// Accuracy, balanced accuracy, per-class precision/recall/F1, macro F1 and the confusion matrix of one
/// set of predictions, computed the way scikit-learn computes them.
///
/// Conventions (each one checked against scikit-learn in the tests):
/// - Per-class metrics cover every class `0..<numClasses`, as `sklearn.metrics.precision_recall_fscore_support(
///   labels=range(numClasses))`; macro F1 is their plain mean, so a class that never occurs counts with F1 =
///   ``zeroDivision``.
/// - When a denominator is zero (a class never predicted, for precision; never present, for recall; neither,
///   for F1 = 2TP / (2TP + FP + FN)) the value is ``zeroDivision`` — 0 by default, which is what scikit-learn's
///   default `zero_division="warn"` returns.
/// - Balanced accuracy is the mean recall over the classes that occur in the true labels
///   (`sklearn.metrics.balanced_accuracy_score`); classes absent from the truth are left out, not counted as 0.
public struct ClassificationReport: Sendable, Equatable, Codable {
    /// Number of classes K.
    public let numClasses: Int
    /// `confusion[t][p]`: samples of true class t predicted as p.
    public let confusion: [[Int]]
    /// Fraction of correct predictions.
    public let accuracy: Double
    /// Mean recall over the classes present in the true labels.
    public let balancedAccuracy: Double
    /// TP / (TP + FP) per class.
    public let precision: [Double]
    /// TP / (TP + FN) per class.
    public let recall: [Double]
    /// 2TP / (2TP + FP + FN) per class.
    public let f1: [Double]
    /// Number of true samples per class.
    public let support: [Int]
    /// Unweighted mean of ``f1`` over all K classes.
    public let macroF1: Double
    /// The value used where a metric's denominator is zero.
    public let zeroDivision: Double

    /// Computes the report. Labels and predictions are class indices in `0..<numClasses`.
    /// - Throws: ``DataError`` if the arrays differ in length, are empty, or hold an index out of range.
    public init(labels: [Int], predictions: [Int], numClasses: Int, zeroDivision: Double = 0) throws {
        guard numClasses >= 1 else { throw DataError(.invalidArgument, "numClasses must be at least 1, got \(numClasses)") }
        guard labels.count == predictions.count else {
            throw DataError(.invalidArgument, "\(labels.count) labels but \(predictions.count) predictions")
        }
        guard !labels.isEmpty else { throw DataError(.invalidArgument, "metrics of an empty set of predictions") }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: numClasses), count: numClasses)
        for (i, (t, p)) in zip(labels, predictions).enumerated() {
            guard (0..<numClasses).contains(t), (0..<numClasses).contains(p) else {
                throw DataError(.invalidArgument, "sample \(i): label \(t) / prediction \(p) outside 0..<\(numClasses)")
            }
            confusion[t][p] += 1
        }
        self.init(confusion: confusion, zeroDivision: zeroDivision)
    }

    /// Computes the report of the arg-max predictions of `scores` ([N, K] logits or probabilities; ties go to
    /// the lower class index, as numpy's `argmax`).
    public init(labels: [Int], scores: Tensor, zeroDivision: Double = 0) throws {
        guard scores.rank == 2, scores.shape[0] == labels.count, scores.shape[1] >= 1 else {
            throw DataError(.invalidArgument, "scores of shape \(scores.shape) for \(labels.count) labels; expected [N, K]")
        }
        let k = scores.shape[1], values = scores.scalars
        let predictions = (0..<labels.count).map { i in
            (0..<k).reduce(0) { best, c in values[i * k + c] > values[i * k + best] ? c : best }
        }
        try self.init(labels: labels, predictions: predictions, numClasses: k, zeroDivision: zeroDivision)
    }

    /// Computes the report from a K×K confusion matrix (`confusion[true][predicted]`).
    public init(confusion: [[Int]], zeroDivision: Double = 0) {
        let k = confusion.count
        precondition(k > 0 && confusion.allSatisfy { $0.count == k }, "confusion matrix must be square")
        self.numClasses = k
        self.confusion = confusion
        self.zeroDivision = zeroDivision
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? zeroDivision : Double(a) / Double(b) }
        var precision = [Double](), recall = [Double](), f1 = [Double](), support = [Int]()
        var correct = 0, total = 0
        for c in 0..<k {
            let tp = confusion[c][c]
            let actual = confusion[c].reduce(0, +)
            let predicted = (0..<k).reduce(0) { $0 + confusion[$1][c] }
            precision.append(ratio(tp, predicted))
            recall.append(ratio(tp, actual))
            f1.append(ratio(2 * tp, actual + predicted))
            support.append(actual)
            correct += tp
            total += actual
        }
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
        self.accuracy = total == 0 ? zeroDivision : Double(correct) / Double(total)
        self.macroF1 = f1.reduce(0, +) / Double(k)
        let present = (0..<k).filter { support[$0] > 0 }
        self.balancedAccuracy = present.isEmpty ? 0
            : present.reduce(0.0) { $0 + Double(confusion[$1][$1]) / Double(support[$1]) } / Double(present.count)
    }
}
