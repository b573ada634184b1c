import Foundation

/// One training/evaluation sample of PRIMA: a lesion (PAD-UFES-20) or a patient (AQUA) with its photos,
/// metadata and class.
public struct DatasetSample: Sendable, Equatable {
    /// Identifies the sample (PAD-UFES-20: `PAT_1516/1765`, patient and lesion; AQUA: the patient id).
    public let id: String
    /// The patient, the unit that must not be split across folds.
    public let patientID: String
    /// The photos of the sample, at least one, in file order.
    public let imagePaths: [URL]
    /// Class index into the schema's ``MetadataSchema/Label/classes``.
    public let label: Int
    /// The metadata fields (never the label or the fields that leak it).
    public let metadata: MetadataRecord

    /// Creates a sample; `imagePaths` must not be empty.
    public init(id: String, patientID: String, imagePaths: [URL], label: Int, metadata: MetadataRecord) {
        precondition(!imagePaths.isEmpty, "a sample needs at least one image")
        self.id = id
        self.patientID = patientID
        self.imagePaths = imagePaths
        self.label = label
        self.metadata = metadata
    }
}

/// What to do with a row that cannot be used (bad value, duplicate id, image not found).
public enum InvalidRowPolicy: Sendable {
    /// Throw the row's error (the default).
    case fail
    /// Leave the row out and record why in the ``LoadReport``.
    case skip
}

/// The outcome of loading a dataset: how many rows were read and which were skipped, and why.
public struct LoadReport: Sendable, Equatable, CustomStringConvertible {
    /// Data rows in the file.
    public let rowCount: Int
    /// The error of each skipped row, in file order.
    public let skipped: [DataError]

    /// A report of `rowCount` rows of which `skipped` were left out.
    public init(rowCount: Int, skipped: [DataError]) {
        self.rowCount = rowCount
        self.skipped = skipped
    }

    /// Rows loaded.
    public var loadedCount: Int { rowCount - skipped.count }

    /// Skipped rows by kind of error.
    public var skippedCounts: [DataError.Kind: Int] {
        skipped.reduce(into: [:]) { $0[$1.kind, default: 0] += 1 }
    }

    /// `"loaded 2296 of 2298 rows; skipped 2 (badValue: 1, missingFile: 1)"`.
    public var description: String {
        guard !skipped.isEmpty else { return "loaded \(loadedCount) of \(rowCount) rows" }
        let counts = skippedCounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue): \($0.value)" }
        return "loaded \(loadedCount) of \(rowCount) rows; skipped \(skipped.count) (\(counts.joined(separator: ", ")))"
    }
}
