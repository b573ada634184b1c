import Foundation

/// A mean and standard deviation over folds, reported as "mean (SD)".
public struct MeanSD: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The arithmetic mean.
    public let mean: Double
    /// The standard deviation with ``ddof`` delta degrees of freedom.
    public let sd: Double
    /// Delta degrees of freedom of ``sd``: 0 divides by n (numpy's `std` and scikit-learn's cross-validation
    /// reports, the default), 1 by n − 1 (the sample SD).
    public let ddof: Int

    /// Summarises `values`; `sd` is 0 for a single value with `ddof` 0 and NaN where n ≤ ddof.
    public init(_ values: [Double], ddof: Int = 0) {
        precondition(!values.isEmpty, "mean of no values")
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        self.mean = mean
        sd = n - Double(ddof) > 0 ? (squares / (n - Double(ddof))).squareRoot() : .nan
        self.ddof = ddof
    }

    /// `"73.75 (2.10)"`: both scaled by `scale` (100 for percentages) with `digits` decimals.
    public func formatted(scale: Double = 100, digits: Int = 2) -> String {
        String(format: "%.\(digits)f (%.\(digits)f)", mean * scale, sd * scale)
    }

    public var description: String { formatted(scale: 1, digits: 4) }
}

/// The paper's cross-validation summary: macro F1, accuracy and balanced accuracy as mean (SD) over folds.
public struct FoldSummary: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Macro F1 over folds.
    public let macroF1: MeanSD
    /// Accuracy over folds.
    public let accuracy: MeanSD
    /// Balanced accuracy over folds.
    public let balancedAccuracy: MeanSD
    /// Macro one-vs-rest AUC over the folds where it is defined; `nil` if it is defined in none.
    public let macroAUC: MeanSD?

    /// Summarises one report per fold, with the fold's macro AUC where known.
    public init(reports: [ClassificationReport], macroAUCs: [Double?] = [], ddof: Int = 0) {
        precondition(!reports.isEmpty, "summary of no folds")
        macroF1 = MeanSD(reports.map(\.macroF1), ddof: ddof)
        accuracy = MeanSD(reports.map(\.accuracy), ddof: ddof)
        balancedAccuracy = MeanSD(reports.map(\.balancedAccuracy), ddof: ddof)
        let aucs = macroAUCs.compactMap { $0 }
        macroAUC = aucs.isEmpty ? nil : MeanSD(aucs, ddof: ddof)
    }

    /// `"macro F1 73.75 (2.10), accuracy 78.27 (1.50), balanced accuracy 72.76 (3.00)"`, in percent.
    public var description: String {
        var parts = ["macro F1 \(macroF1.formatted())", "accuracy \(accuracy.formatted())",
                     "balanced accuracy \(balancedAccuracy.formatted())"]
        if let macroAUC { parts.append("macro AUC \(macroAUC.formatted())") }
        return parts.joined(separator: ", ")
    }
}
