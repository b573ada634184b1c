import PRIMAData

extension CrossValidationResult {
    /// The calibration of the pooled test predictions of every fold (each sample counted once, with the
    /// probabilities of its fold's model): expected calibration error over 15 equal-width confidence bins
    /// and the reliability diagram's bins (see `Calibration` in PRIMAData for the convention).
    /// - Throws: ``ExperimentError`` `.io` naming the fold and sample when a result (read from a damaged file)
    ///   holds something other than one row of K probabilities in [0, 1] per test sample with a known class.
    public func calibration() throws -> Calibration {
        try checkPredictionRows()
        return Calibration(probabilities: folds.flatMap(\.probabilities), labels: folds.flatMap(\.labels))
    }

    /// Every fold has one id, label, prediction and row of K probabilities in [0, 1] per test sample.
    func checkPredictionRows() throws {
        let k = classNames.count
        for fold in folds {
            let n = fold.sampleIDs.count
            guard fold.labels.count == n, fold.predictions.count == n, fold.probabilities.count == n,
                  fold.patientIDs.map({ $0.count == n }) ?? true else {
                throw ExperimentError(.io, "'\(experiment)' fold \(fold.fold + 1): \(n) test samples but \(fold.labels.count) labels, \(fold.predictions.count) predictions and \(fold.probabilities.count) probability rows")
            }
            for i in 0..<n {
                let row = fold.probabilities[i]
                guard (0..<k).contains(fold.labels[i]), (0..<k).contains(fold.predictions[i]), row.count == k,
                      row.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else {
                    throw ExperimentError(.io, "'\(experiment)' fold \(fold.fold + 1), test sample '\(fold.sampleIDs[i])': label \(fold.labels[i]), prediction \(fold.predictions[i]) and probabilities \(row) are not classes and \(k) probabilities in [0, 1]")
                }
            }
        }
    }
}
