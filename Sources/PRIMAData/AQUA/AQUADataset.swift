import Foundation

/// A dataset in the AQUA layout (see ``AQUA``): photos listed in a manifest, metadata per patient, and a schema.
public struct AQUADataset: Sendable {
    /// One photo of the manifest.
    public struct Photo: Sendable, Equatable {
        /// The patient.
        public let patientID: String
        /// The photo file.
        public let url: URL
        /// Illumination or modality, as written (lower-cased).
        public let illumination: String
        /// Class index.
        public let label: Int
    }

    /// The dataset folder.
    public let root: URL
    /// The fields and classes (from `schema.json` unless given).
    public let schema: MetadataSchema
    /// The usable photos, in manifest order.
    public let photos: [Photo]
    /// Metadata per patient id.
    public let metadata: [String: MetadataRecord]
    /// Rows read (metadata and manifest together) and rows skipped, with why.
    public let report: LoadReport

    /// Loads the dataset in `root`.
    /// - Parameters:
    ///   - root: the dataset folder.
    ///   - schema: overrides `schema.json` (for example ``AQUA/keratitisSchema``).
    ///   - manifestFile: the photo manifest's name inside `root`.
    ///   - metadataFile: the metadata CSV's name inside `root`.
    ///   - schemaFile: the schema's name inside `root`, read when `schema` is nil.
    ///   - onInvalidRow: throw (default) or skip-and-report rows that cannot be used.
    ///   - paths: whether the manifest's image paths (and the dataset's own files) may lead outside `root`
    ///     (`..`, absolute paths, symbolic links); by default they may not, and such a row is a bad row (see
    ///     ``DatasetPathPolicy``).
    /// - Throws: ``DataError`` naming the file, line, record and column of the first problem (a missing
    ///   column, a bad value or label, a duplicate patient or photo, a photo not found or outside the folder, a
    ///   patient without metadata, a patient with two labels), unless `onInvalidRow` is `.skip` and the problem
    ///   is one row's.
    public init(root: URL, schema: MetadataSchema? = nil, manifestFile: String = "manifest.csv",
                metadataFile: String = "metadata.csv", schemaFile: String = "schema.json",
                onInvalidRow: InvalidRowPolicy = .fail, paths: DatasetPathPolicy = .insideRoot) throws {
        self.root = root
        let resolver = DatasetPathResolver(root: root, policy: paths)
        let schema = try schema ?? MetadataSchema(contentsOf: resolver.checkedFile(schemaFile))
        try schema.validate()
        self.schema = schema
        var skipped: [DataError] = []
        func handle(_ body: () throws -> Void) throws {
            do { try body() } catch let error as DataError where onInvalidRow == .skip { skipped.append(error) }
        }

        // Metadata, one row per patient.
        let table = try CSVTable(contentsOf: resolver.checkedFile(metadataFile))
        let idColumn = try table.columnIndex("patient_id")
        let fieldColumns = try schema.fields.map { try table.columnIndex($0.name) }
        var metadata: [String: MetadataRecord] = [:], metadataLine: [String: Int] = [:]
        for row in table.rows {
            try handle {
                let id = row.cells[idColumn].trimmingCharacters(in: .whitespaces)
                guard !id.isEmpty else { throw table.error(.badValue, row: row, column: "patient_id", "required value is missing") }
                if let earlier = metadataLine[id] {
                    throw table.error(.duplicate, row: row, column: "patient_id", "'\(id)' already appears on line \(earlier)")
                }
                var record = MetadataRecord()
                for (field, column) in zip(schema.fields, fieldColumns) {
                    switch schema.parse(row.cells[column], as: field) {
                    case .success(let value?): record[field.name] = value
                    case .success(nil): break
                    case .failure(let failure): throw table.error(.badValue, row: row, column: field.name, failure.message)
                    }
                }
                metadataLine[id] = row.line
                metadata[id] = record
            }
        }

        // Manifest, one row per photo.
        let manifest = try CSVTable(contentsOf: resolver.checkedFile(manifestFile))
        let columns = try AQUA.manifestColumns.map { try manifest.columnIndex($0) }
        let classes = schema.label.classes.map { $0.lowercased() }
        var photos: [Photo] = [], pathLine: [String: Int] = [:], labelOfPatient: [String: (Int, Int)] = [:]
        for row in manifest.rows {
            try handle {
                let cell = { (i: Int) in row.cells[columns[i]].trimmingCharacters(in: .whitespaces) }
                let patient = cell(0), path = cell(1), illumination = cell(2).lowercased(), labelText = cell(3)
                guard !patient.isEmpty else { throw manifest.error(.badValue, row: row, column: "patient_id", "required value is missing") }
                guard !path.isEmpty else { throw manifest.error(.badValue, row: row, column: "image_path", "required value is missing") }
                guard let label = classes.firstIndex(of: labelText.lowercased()) else {
                    throw manifest.error(.badValue, row: row, column: "label",
                                         "expected one of \(schema.label.classes.joined(separator: ", ")), found '\(labelText)'")
                }
                if let earlier = pathLine[path] {
                    throw manifest.error(.duplicate, row: row, column: "image_path", "'\(path)' already appears on line \(earlier)")
                }
                if let (other, line) = labelOfPatient[patient], other != label {
                    throw manifest.error(.badValue, row: row, column: "label",
                                         "patient '\(patient)' is labelled '\(schema.label.classes[other])' on line \(line)")
                }
                guard metadata[patient] != nil else {
                    throw manifest.error(.badValue, row: row, column: "patient_id", "patient '\(patient)' has no row in \(table.fileName)")
                }
                let url: URL
                do { url = try resolver.url(for: path) } catch let refused as DatasetPathError {
                    throw manifest.error(.badValue, row: row, column: "image_path", refused.message)
                }
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw manifest.error(.missingFile, row: row, column: "image_path", "image '\(path)' not found under \(root.path)")
                }
                pathLine[path] = row.line
                labelOfPatient[patient] = labelOfPatient[patient] ?? (label, row.line)
                photos.append(Photo(patientID: patient, url: url, illumination: illumination, label: label))
            }
        }
        self.photos = photos
        self.metadata = metadata
        // A skipped metadata row also makes its patient's photos fail ("no row"); both are listed.
        self.report = LoadReport(rowCount: table.rows.count + manifest.rows.count, skipped: skipped)
    }

    /// One sample per patient (PRIMA's unit on AQUA), with every photo in manifest order (optionally only
    /// those of the given illuminations); patients without photos are left out.
    public func patientSamples(illuminations: Set<String>? = nil) -> [DatasetSample] {
        var order: [String] = [], byPatient: [String: [Photo]] = [:]
        for p in photos where illuminations?.contains(p.illumination) ?? true {
            if byPatient[p.patientID] == nil { order.append(p.patientID) }
            byPatient[p.patientID, default: []].append(p)
        }
        return order.map { id in
            let list = byPatient[id]!
            return DatasetSample(id: id, patientID: id, imagePaths: list.map(\.url), label: list[0].label, metadata: metadata[id] ?? [:])
        }
    }
}
