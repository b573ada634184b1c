import PRIMAData

extension CrossValidationResult {
    /// The calibration of the pooled test predictions of every fold (each sample counted once, with the
    /// probabilities of its fold's model): expected calibration error over 15 equal-width confidence bins
    /// and the reliability diagram's bins (see `Calibration` in PRIMAData for the convention).
    public var calibration: Calibration {
        Calibration(probabilities: folds.flatMap(\.probabilities), labels: folds.flatMap(\.labels))
    }
}
