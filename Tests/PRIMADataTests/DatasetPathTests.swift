import Foundation
import Testing
@testable import PRIMAData

/// A dataset folder is not trusted: what it names must stay inside it unless the caller allows otherwise.
@Suite("Dataset paths stay inside the dataset folder")
struct DatasetPathTests {
    /// `outer/data` holds a synthetic AQUA dataset; `outer/secret.png` is a photo outside it.
    struct AQUAFolder {
        let outer = TemporaryDirectory()
        var root: URL { outer.url.appendingPathComponent("data") }
        var secret: URL { outer.url.appendingPathComponent("secret.png") }
        let firstPath: String

        init() throws {
            try SyntheticAQUA.write(to: outer.url.appendingPathComponent("data"), .init(patientCount: 12, seed: 4, imageSides: 16...24))
            let manifest = try CSVTable(contentsOf: outer.url.appendingPathComponent("data/manifest.csv"))
            firstPath = manifest.rows[0].cells[try manifest.columnIndex("image_path")]
            try FileManager.default.copyItem(at: outer.url.appendingPathComponent("data").appendingPathComponent(firstPath),
                                             to: outer.url.appendingPathComponent("secret.png"))
        }

        /// Makes the manifest's first row name `path`.
        func pointFirstRow(to path: String) throws {
            let url = root.appendingPathComponent("manifest.csv")
            let text = try String(contentsOf: url, encoding: .utf8)
            try text.replacingOccurrences(of: firstPath + ",", with: path + ",").write(to: url, atomically: true, encoding: .utf8)
        }
    }

    @Test("manifest paths with .. leading out, absolute paths and links leading out are refused, naming file, line and column",
          arguments: ["../secret.png", "images/../../secret.png", "ABSOLUTE", "images/link.png"])
    func aquaRefusesPathsOut(_ kind: String) throws {
        let folder = try AQUAFolder()
        var path = kind
        if kind == "ABSOLUTE" { path = folder.secret.path }
        if kind == "images/link.png" {
            try FileManager.default.createSymbolicLink(at: folder.root.appendingPathComponent(path), withDestinationURL: folder.secret)
        }
        try folder.pointFirstRow(to: path)
        let error = #expect(throws: DataError.self) { try AQUADataset(root: folder.root) }
        #expect(error?.kind == .badValue)
        let text = error?.description ?? ""
        #expect(text.hasPrefix("manifest.csv, line 2 (record 1), column 'image_path'"), "\(text)")
        #expect(text.contains("outside the dataset folder") || text.contains("absolute path"), "\(text)")

        // Skipped (and reported) as a bad row when asked to skip; read when explicitly allowed.
        let skipped = try AQUADataset(root: folder.root, onInvalidRow: .skip)
        #expect(skipped.report.skipped.count == 1 && !skipped.photos.contains { $0.url.path.hasSuffix("secret.png") })
        let allowed = try AQUADataset(root: folder.root, paths: .allowOutsideRoot)
        #expect(allowed.report.skipped.isEmpty)
        #expect(try Data(contentsOf: allowed.photos[0].url) == Data(contentsOf: folder.secret))
    }

    @Test("a .. that stays inside the folder is fine")
    func aquaInnerDotDot() throws {
        let folder = try AQUAFolder()
        let name = folder.firstPath.split(separator: "/").last!
        try folder.pointFirstRow(to: "images/../images/\(name)")
        #expect(try AQUADataset(root: folder.root).photos.count > 0)
    }

    @Test("a dataset file that is a link leading out of the folder is refused")
    func aquaMetadataLinkOut() throws {
        let folder = try AQUAFolder()
        let metadata = folder.root.appendingPathComponent("metadata.csv")
        try FileManager.default.moveItem(at: metadata, to: folder.outer.url.appendingPathComponent("metadata.csv"))
        try FileManager.default.createSymbolicLink(at: metadata, withDestinationURL: folder.outer.url.appendingPathComponent("metadata.csv"))
        let error = #expect(throws: DataError.self) { try AQUADataset(root: folder.root) }
        #expect(error?.description.contains("metadata.csv") == true && error?.description.contains("symbolic link") == true, "\(error?.description ?? "")")
        #expect(try AQUADataset(root: folder.root, paths: .allowOutsideRoot).photos.count > 0)
    }

    @Test("a PAD-UFES-20 photo that is a link leading out of the folder is refused, naming the metadata row")
    func padufesLinkOut() throws {
        let outer = TemporaryDirectory()
        let root = outer.url.appendingPathComponent("data")
        try SyntheticPADUFES.write(to: root, .init(imageCount: 30, seed: 2, imageSides: 16...24))
        let dataset = try PADUFESDataset(root: root)
        let photo = dataset.imageURLs[0]
        let secret = outer.url.appendingPathComponent("secret.png")
        try FileManager.default.moveItem(at: photo, to: secret)
        try FileManager.default.createSymbolicLink(at: photo, withDestinationURL: secret)
        let error = #expect(throws: DataError.self) { try PADUFESDataset(root: root) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("metadata.csv, line 2 (record 1), column 'img_id'") && text.contains("symbolic link"), "\(text)")
        #expect(try PADUFESDataset(root: root, paths: .allowOutsideRoot).records.count == dataset.records.count)
        // A link that stays inside the folder is fine.
        try FileManager.default.removeItem(at: photo)
        try FileManager.default.moveItem(at: secret, to: root.appendingPathComponent("kept.png"))
        try FileManager.default.createSymbolicLink(at: photo, withDestinationURL: root.appendingPathComponent("kept.png"))
        #expect(try PADUFESDataset(root: root).records.count == dataset.records.count)
    }
}
