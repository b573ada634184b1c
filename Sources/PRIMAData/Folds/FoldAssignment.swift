import Foundation

/// Which fold each sample belongs to, saved as CSV so that runs are comparable.
///
/// The CSV has the columns `sample_id,patient_id,label,fold` (one row per sample, fold 0-based).
public struct FoldAssignment: Sendable, Equatable {
    /// One sample's place.
    public struct Entry: Sendable, Equatable {
        /// The sample's ``DatasetSample/id``.
        public let sampleID: String
        /// The sample's patient.
        public let patientID: String
        /// The sample's class index.
        public let label: Int
        /// The fold, 0-based: the sample is tested in this fold and trained on in the others.
        public let fold: Int
    }

    /// The entries, in sample order.
    public let entries: [Entry]
    /// Number of folds k.
    public let foldCount: Int

    /// Stratified group k-fold over `samples`, grouping by patient (or by sample id with `groupBy: .sample`).
    public init(samples: [DatasetSample], folds: Int = 5, seed: UInt64, groupBy: Grouping = .patient) throws {
        let groups = samples.map { groupBy == .patient ? $0.patientID : $0.id }
        let assigned = try StratifiedGroupKFold.assign(labels: samples.map(\.label), groups: groups, folds: folds, seed: seed)
        entries = zip(samples, assigned).map { Entry(sampleID: $0.id, patientID: $0.patientID, label: $0.label, fold: $1) }
        foldCount = folds
    }

    /// What must never be split across folds.
    public enum Grouping: Sendable { case patient, sample }

    /// Builds an assignment from explicit entries.
    public init(entries: [Entry], foldCount: Int) {
        self.entries = entries
        self.foldCount = foldCount
    }

    /// Reads the assignment at `url` if it exists (checking that it covers exactly `samples`), else computes
    /// one and writes it there — so that every run of an experiment uses the same folds.
    public static func loadOrCreate(at url: URL, samples: [DatasetSample], folds: Int = 5, seed: UInt64,
                                    groupBy: Grouping = .patient) throws -> FoldAssignment {
        guard FileManager.default.fileExists(atPath: url.path) else {
            let created = try FoldAssignment(samples: samples, folds: folds, seed: seed, groupBy: groupBy)
            try created.write(to: url)
            return created
        }
        let saved = try FoldAssignment(contentsOf: url)
        let foldOfSample = try saved.folds(of: samples)
        guard saved.entries.count == samples.count else {
            throw DataError(.invalidArgument, file: url.lastPathComponent,
                            "the saved folds list \(saved.entries.count) samples but the data has \(samples.count)")
        }
        let entries = zip(samples, foldOfSample).map { Entry(sampleID: $0.id, patientID: $0.patientID, label: $0.label, fold: $1) }
        return FoldAssignment(entries: entries, foldCount: saved.foldCount)
    }

    /// Indices (into ``entries``) of the training and test samples of fold `k`.
    public func split(_ k: Int) -> (train: [Int], test: [Int]) {
        precondition((0..<foldCount).contains(k), "fold \(k) outside 0..<\(foldCount)")
        var train: [Int] = [], test: [Int] = []
        for (i, e) in entries.enumerated() { if e.fold == k { test.append(i) } else { train.append(i) } }
        return (train, test)
    }

    /// The fold of each sample in `samples`, looked up by sample id.
    /// - Throws: ``DataError`` if a sample is not in the assignment or its patient or label differs.
    public func folds(of samples: [DatasetSample]) throws -> [Int] {
        let byID = Dictionary(entries.map { ($0.sampleID, $0) }, uniquingKeysWith: { a, _ in a })
        return try samples.map { s in
            guard let e = byID[s.id] else { throw DataError(.invalidArgument, "sample '\(s.id)' has no fold in the assignment") }
            guard e.patientID == s.patientID, e.label == s.label else {
                throw DataError(.invalidArgument, "sample '\(s.id)': the assignment says patient \(e.patientID), label \(e.label); the data says \(s.patientID), \(s.label)")
            }
            return e.fold
        }
    }

    /// Whether no patient has samples in two folds (false is legitimate only for lesion-level grouping).
    public var patientsAreDisjoint: Bool {
        var foldOfPatient: [String: Int] = [:]
        for e in entries {
            if let f = foldOfPatient[e.patientID], f != e.fold { return false }
            foldOfPatient[e.patientID] = e.fold
        }
        return true
    }

    static let header = ["sample_id", "patient_id", "label", "fold"]

    /// Writes the assignment as CSV (atomically).
    public func write(to url: URL) throws {
        try CSVWriter.write(header: Self.header,
                            rows: entries.map { [$0.sampleID, $0.patientID, String($0.label), String($0.fold)] }, to: url)
    }

    /// Reads an assignment written by ``write(to:)``.
    /// - Throws: ``DataError`` naming the file, line and column of a bad cell or a duplicate sample id.
    public init(contentsOf url: URL) throws {
        let table = try CSVTable(contentsOf: url)
        let columns = try Self.header.map { try table.columnIndex($0) }
        var entries: [Entry] = [], seen: [String: Int] = [:]
        for row in table.rows {
            let cell = { (i: Int) in row.cells[columns[i]].trimmingCharacters(in: .whitespaces) }
            let id = cell(0), patient = cell(1)
            guard !id.isEmpty else { throw table.error(.badValue, row: row, column: "sample_id", "required value is missing") }
            guard let label = Int(cell(2)), label >= 0 else {
                throw table.error(.badValue, row: row, column: "label", "expected a class index ≥ 0, found '\(cell(2))'")
            }
            guard let fold = Int(cell(3)), fold >= 0 else {
                throw table.error(.badValue, row: row, column: "fold", "expected a fold index ≥ 0, found '\(cell(3))'")
            }
            if let earlier = seen[id] { throw table.error(.duplicate, row: row, column: "sample_id", "'\(id)' already appears on line \(earlier)") }
            seen[id] = row.line
            entries.append(Entry(sampleID: id, patientID: patient, label: label, fold: fold))
        }
        self.entries = entries
        self.foldCount = (entries.map(\.fold).max() ?? -1) + 1
    }
}
