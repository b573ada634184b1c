import PRIMATensor

/// Accuracy, balanced accuracy, per-class precision/recall/F1, their macro and weighted averages and the
/// confusion matrix of one set of predictions, computed the way scikit-learn computes them.
///
/// Conventions (each one checked against scikit-learn in the tests):
/// - Per-class metrics cover every class `0..<numClasses`, as `sklearn.metrics.precision_recall_fscore_support(
///   labels=range(numClasses))`; macro F1 (the paper's metric), ``macroPrecision`` and ``macroRecall`` are their
///   plain means, so a class that never occurs counts with F1 = ``zeroDivision``. ``macroF1OverPresentLabels`` is
///   scikit-learn's default `f1_score(average="macro")` without `labels`: the mean over the classes that occur in
///   the labels or the predictions. ``weightedF1`` weights each class's F1 by its support.
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

    /// Unweighted mean of ``precision`` over all K classes (`precision_score(labels=range(K), average="macro")`).
    public var macroPrecision: Double { precision.reduce(0, +) / Double(numClasses) }
    /// Unweighted mean of ``recall`` over all K classes (`recall_score(labels=range(K), average="macro")`).
    public var macroRecall: Double { recall.reduce(0, +) / Double(numClasses) }
    /// Mean of ``f1`` weighted by ``support`` (`f1_score(average="weighted")`); classes absent from the labels
    /// weigh nothing.
    public var weightedF1: Double {
        let total = support.reduce(0, +)
        guard total > 0 else { return zeroDivision }
        return zip(f1, support).reduce(0) { $0 + $1.0 * Double($1.1) } / Double(total)
    }
    /// Mean of ``f1`` over the classes that occur in the labels or the predictions: scikit-learn's
    /// `f1_score(y_true, y_pred, average="macro")` when no `labels` are passed. Never below ``macroF1`` when
    /// ``zeroDivision`` is 0, since it leaves out classes with F1 = 0 by definition.
    public var macroF1OverPresentLabels: Double {
        let present = (0..<numClasses).filter { c in support[c] > 0 || confusion.contains { $0[c] > 0 } }
        guard !present.isEmpty else { return zeroDivision }
        return present.reduce(0) { $0 + f1[$1] } / Double(present.count)
    }

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

extension ClassificationReport {
    /// The stored fields, then the derived averages: the derived ones are written for readers of the JSON and
    /// recomputed, not read, when decoding, so reports written before they existed still decode.
    private enum CodingKeys: String, CodingKey {
        case numClasses, confusion, accuracy, balancedAccuracy, precision, recall, f1, support, macroF1, zeroDivision
        case macroPrecision, macroRecall, weightedF1, macroF1OverPresentLabels
    }

    /// Decodes a report written by ``encode(to:)``, with or without the derived averages.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        numClasses = try c.decode(Int.self, forKey: .numClasses)
        confusion = try c.decode([[Int]].self, forKey: .confusion)
        accuracy = try c.decode(Double.self, forKey: .accuracy)
        balancedAccuracy = try c.decode(Double.self, forKey: .balancedAccuracy)
        precision = try c.decode([Double].self, forKey: .precision)
        recall = try c.decode([Double].self, forKey: .recall)
        f1 = try c.decode([Double].self, forKey: .f1)
        support = try c.decode([Int].self, forKey: .support)
        macroF1 = try c.decode(Double.self, forKey: .macroF1)
        zeroDivision = try c.decode(Double.self, forKey: .zeroDivision)
        for (key, count) in [(CodingKeys.confusion, confusion.count), (.precision, precision.count), (.recall, recall.count),
                             (.f1, f1.count), (.support, support.count)] where count != numClasses {
            throw DecodingError.dataCorruptedError(forKey: key, in: c,
                                                   debugDescription: "\(count) entries for \(numClasses) classes")
        }
    }

    /// Encodes every stored field and the derived averages.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(numClasses, forKey: .numClasses)
        try c.encode(confusion, forKey: .confusion)
        try c.encode(accuracy, forKey: .accuracy)
        try c.encode(balancedAccuracy, forKey: .balancedAccuracy)
        try c.encode(precision, forKey: .precision)
        try c.encode(recall, forKey: .recall)
        try c.encode(f1, forKey: .f1)
        try c.encode(support, forKey: .support)
        try c.encode(macroF1, forKey: .macroF1)
        try c.encode(zeroDivision, forKey: .zeroDivision)
        try c.encode(macroPrecision, forKey: .macroPrecision)
        try c.encode(macroRecall, forKey: .macroRecall)
        try c.encode(weightedF1, forKey: .weightedF1)
        try c.encode(macroF1OverPresentLabels, forKey: .macroF1OverPresentLabels)
    }
}
