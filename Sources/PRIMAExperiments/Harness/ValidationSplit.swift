import PRIMAData

/// Carves a validation split out of a fold's training samples: stratified by class, grouped so that no
/// patient (or lesion) is on both sides, seeded.
///
/// It runs `StratifiedGroupKFold` with k = round(1 / fraction) over the training samples and keeps its
/// first fold as the validation split, so the split is the share `fraction` of the groups chosen to keep the
/// class proportions of both sides as even as whole groups allow.
public enum ValidationSplit {
    /// Indices (into `samples`) of the training and validation parts.
    /// - Parameters:
    ///   - samples: the samples to split.
    ///   - fraction: the validation share, in (0, 0.5].
    ///   - seed: the shuffle seed; the same inputs and seed give the same split.
    ///   - grouping: what must not be split (the patient by default).
    /// - Throws: ``ExperimentError`` `.invalidOption` when `fraction` is out of range or the samples have too
    ///   few groups to split.
    public static func split(_ samples: [DatasetSample], fraction: Double, seed: UInt64,
                             grouping: FoldAssignment.Grouping = .patient) throws -> (train: [Int], validation: [Int]) {
        guard fraction > 0, fraction <= 0.5 else {
            throw ExperimentError(.invalidOption, "the validation fraction must be in (0, 0.5], got \(fraction)")
        }
        let parts = max(2, Int((1 / fraction).rounded()))
        let groups = samples.map { grouping == .patient ? $0.patientID : $0.id }
        let assigned: [Int]
        do {
            assigned = try StratifiedGroupKFold.assign(labels: samples.map(\.label), groups: groups, folds: parts, seed: seed)
        } catch let error as DataError {
            throw ExperimentError(.invalidOption, "cannot carve a validation split of \(samples.count) training samples: \(error.message)")
        }
        var train: [Int] = [], validation: [Int] = []
        for (i, part) in assigned.enumerated() {
            if part == 0 { validation.append(i) } else { train.append(i) }
        }
        return (train, validation)
    }
}
