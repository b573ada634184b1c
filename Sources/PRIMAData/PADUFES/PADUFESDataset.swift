import Foundation

/// PAD-UFES-20 read from its official layout: `metadata.csv` and the photos in `imgs_part_1…3/`.
///
/// Each row becomes a ``PADUFESRecord`` whose image is found in one of the image folders. A missing
/// column always throws; a bad row (bad value, duplicate `img_id`, image not found) throws by default
/// or, with ``InvalidRowPolicy/skip``, is left out and listed in ``report``.
public struct PADUFESDataset: Sendable {
    /// The dataset folder.
    public let root: URL
    /// The usable rows, in file order.
    public let records: [PADUFESRecord]
    /// Each record's photo, parallel to ``records``.
    public let imageURLs: [URL]
    /// Rows read and rows skipped.
    public let report: LoadReport

    /// Loads the dataset in `root`.
    /// - Parameters:
    ///   - root: the dataset folder.
    ///   - metadataFile: the CSV's name inside `root`.
    ///   - imageFolders: folders inside `root` searched for the photos (missing folders are ignored).
    ///   - onInvalidRow: throw (default) or skip-and-report rows that cannot be used.
    ///   - paths: whether the metadata file and the photos may lie outside `root` (through symbolic links or
    ///     `..`); by default they may not, and such a photo is a bad row (see ``DatasetPathPolicy``).
    /// - Throws: ``DataError`` naming the file, line, record and column.
    public init(root: URL, metadataFile: String = "metadata.csv", imageFolders: [String] = PADUFES.imageFolders,
                onInvalidRow: InvalidRowPolicy = .fail, paths: DatasetPathPolicy = .insideRoot) throws {
        self.root = root
        let resolver = DatasetPathResolver(root: root, policy: paths)
        let metadataURL = try resolver.checkedFile(metadataFile)
        let table = try CSVTable(contentsOf: metadataURL)
        var columns: [String: Int] = [:]
        for name in PADUFES.columns { columns[name] = try table.columnIndex(name) }
        let images = try ImageIndex(root: root, folders: imageFolders)

        var records: [PADUFESRecord] = [], urls: [URL] = [], skipped: [DataError] = []
        var firstLineOfImage: [String: Int] = [:]
        for row in table.rows {
            do {
                let record = try PADUFESRecord(row: row, in: table, columns: columns)
                if let earlier = firstLineOfImage[record.imageID] {
                    throw table.error(.duplicate, row: row, column: "img_id", "'\(record.imageID)' already appears on line \(earlier)")
                }
                guard let url = images.files[record.imageID] else {
                    throw table.error(.missingFile, row: row, column: "img_id",
                                      "image '\(record.imageID)' not found in \(imageFolders.joined(separator: ", ")) under \(root.path)")
                }
                do {
                    try resolver.check(url, named: url.deletingLastPathComponent().lastPathComponent + "/" + url.lastPathComponent)
                } catch let refused as DatasetPathError {
                    throw table.error(.badValue, row: row, column: "img_id", refused.message)
                }
                firstLineOfImage[record.imageID] = row.line
                records.append(record)
                urls.append(url)
            } catch let error as DataError where onInvalidRow == .skip {
                skipped.append(error)
            }
        }
        self.records = records
        self.imageURLs = urls
        self.report = LoadReport(rowCount: table.rows.count, skipped: skipped)
    }

    /// The lesions as samples (PRIMA's unit on PAD-UFES-20): every photo of a lesion, in file order, with the
    /// metadata of its first row. The sample id is `patient_id/lesion_id`.
    public func lesionSamples() -> [DatasetSample] {
        var order: [String] = [], byLesion: [String: [Int]] = [:]
        for (i, r) in records.enumerated() {
            let key = "\(r.patientID)/\(r.lesionID)"
            if byLesion[key] == nil { order.append(key) }
            byLesion[key, default: []].append(i)
        }
        return order.map { key in
            let rows = byLesion[key]!
            let first = records[rows[0]]
            return DatasetSample(id: key, patientID: first.patientID, imagePaths: rows.map { imageURLs[$0] },
                                 label: first.diagnostic.index, metadata: first.metadata)
        }
    }

    /// Every photo as its own sample (id = `img_id`).
    public func imageSamples() -> [DatasetSample] {
        zip(records, imageURLs).map { r, url in
            DatasetSample(id: r.imageID, patientID: r.patientID, imagePaths: [url], label: r.diagnostic.index, metadata: r.metadata)
        }
    }
}

/// File name → path of every file in a dataset's image folders, listed once.
struct ImageIndex {
    let files: [String: URL]

    init(root: URL, folders: [String]) throws {
        var files: [String: URL] = [:]
        let manager = FileManager.default
        for folder in folders {
            let dir = root.appendingPathComponent(folder)
            guard let names = try? manager.contentsOfDirectory(atPath: dir.path) else { continue }
            for name in names.sorted() {
                let url = dir.appendingPathComponent(name)
                if let other = files[name] {
                    throw DataError(.duplicate, file: url.path, "image '\(name)' is also in \(other.deletingLastPathComponent().path)")
                }
                files[name] = url
            }
        }
        self.files = files
    }
}
