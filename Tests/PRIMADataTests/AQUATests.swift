import Foundation
import Testing
@testable import PRIMAData

@Suite struct AQUATests {
    static let config = SyntheticAQUA.Configuration(patientCount: 12, seed: 4, imageSides: 16...24)

    private func load(_ dir: TemporaryDirectory, _ policy: InvalidRowPolicy = .fail) throws -> AQUADataset {
        try withExtendedLifetime(dir) { try AQUADataset(root: dir.url, onInvalidRow: policy) }
    }

    /// Replaces `old` by `new` in a file of `dir`.
    private func edit(_ dir: TemporaryDirectory, _ file: String, _ old: String, _ new: String) throws {
        let url = dir.url.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains(old), "\(file) has no '\(old)'")
        try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
    }

    @Test func generatedDatasetLoadsWithSeveralPhotosPerPatient() throws {
        let dir = TemporaryDirectory()
        let count = try SyntheticAQUA.write(to: dir.url, Self.config)
        let data = try load(dir)
        #expect(data.schema == AQUA.keratitisSchema)
        #expect(data.photos.count == count && data.report.skipped.isEmpty)
        let patients = data.patientSamples()
        #expect(patients.count == 12)
        #expect(patients.allSatisfy { $0.imagePaths.count >= 2 } && Set(patients.map(\.label)) == [0, 1])
        #expect(Set(data.photos.map(\.illumination)) == Set(AQUA.illuminations))
        #expect(data.patientSamples(illuminations: ["slit"]).allSatisfy { $0.imagePaths.allSatisfy { $0.lastPathComponent.contains("slit") } })
        let text = MetadataTextRenderer(schema: data.schema).render(patients[0].metadata)
        #expect(text.hasPrefix("Age ") && !text.contains("fungal") && !text.contains("bacterial"))
        // JPEG photos by default, as in AQUA-style folders.
        #expect(data.photos.allSatisfy { $0.url.pathExtension == "jpg" })
        #expect(try ImageDecoder.sniffFormat(Data(contentsOf: data.photos[0].url)) == .jpeg)
        let image = try ImageDecoder.decode(contentsOf: data.photos[0].url)
        #expect(Self.config.imageSides.contains(image.width))
    }

    @Test func deterministicBySeed() throws {
        let a = TemporaryDirectory(), b = TemporaryDirectory()
        try SyntheticAQUA.write(to: a.url, Self.config)
        try SyntheticAQUA.write(to: b.url, Self.config)
        for file in ["metadata.csv", "manifest.csv", "schema.json", "images/P0001_1_diffuse.jpg"] {
            #expect(try Data(contentsOf: a.url.appendingPathComponent(file)) == Data(contentsOf: b.url.appendingPathComponent(file)), "\(file)")
        }
        withExtendedLifetime([a, b]) {}
    }

    @Test func missingSchemaFieldColumnIsNamed() throws {
        let dir = TemporaryDirectory()
        try SyntheticAQUA.write(to: dir.url, Self.config)
        try edit(dir, "metadata.csv", ",diabetes,", ",diabetics,")
        let error = #expect(throws: DataError.self) { try load(dir) }
        #expect(error?.kind == .missingColumn && error?.description.hasPrefix("metadata.csv, column 'diabetes'") == true)
    }

    @Test func badLabelAndBadBooleanNameFileRowColumn() throws {
        let dir = TemporaryDirectory()
        try SyntheticAQUA.write(to: dir.url, Self.config)
        let manifest = try CSVTable(contentsOf: dir.url.appendingPathComponent("manifest.csv"))
        let firstLabel = manifest.rows[0].cells[3]
        try edit(dir, "manifest.csv", "diffuse,\(firstLabel)\n", "diffuse,viral\n")
        let error = #expect(throws: DataError.self) { try load(dir) }
        #expect(error?.description.hasPrefix("manifest.csv, line 2 (record 1), column 'label': expected one of bacterial, fungal") == true)

        let other = TemporaryDirectory()
        try SyntheticAQUA.write(to: other.url, Self.config)
        let metadata = try CSVTable(contentsOf: other.url.appendingPathComponent("metadata.csv"))
        var cells = metadata.rows[2].cells
        let column = metadata.header.firstIndex(of: "hypopyon")!
        cells[column] = "sometimes"
        try edit(other, "metadata.csv", metadata.rows[2].cells.joined(separator: ","), cells.joined(separator: ","))
        let bad = #expect(throws: DataError.self) { try load(other) }
        #expect(bad?.description == "metadata.csv, line 4 (record 3), column 'hypopyon': expected True or False, found 'sometimes'")
    }

    @Test func duplicatesMissingImagesAndConflictingLabelsAreReported() throws {
        let dir = TemporaryDirectory()
        try SyntheticAQUA.write(to: dir.url, Self.config)
        try FileManager.default.removeItem(at: dir.url.appendingPathComponent("images/P0002_1_diffuse.jpg"))
        let missing = #expect(throws: DataError.self) { try load(dir) }
        #expect(missing?.kind == .missingFile && missing?.column == "image_path" && missing?.file == "manifest.csv")

        // Skipping reports the photo and keeps the rest.
        let skipped = try load(dir, .skip)
        #expect(skipped.report.skippedCounts == [.missingFile: 1])
        #expect(skipped.photos.count == skipped.report.loadedCount - 12)

        let manifestURL = dir.url.appendingPathComponent("manifest.csv")
        let manifest = try CSVTable(contentsOf: manifestURL)
        let row = manifest.rows[0].cells
        let flipped = [row[0], "images/extra.png", row[2], row[3] == "fungal" ? "bacterial" : "fungal"]
        try CSVWriter.write(header: manifest.header, rows: manifest.rows.map(\.cells) + [row, flipped], to: manifestURL)
        let outcome = try load(dir, .skip)
        #expect(outcome.report.skippedCounts[.duplicate] == 1)
        #expect(outcome.report.skipped.contains { $0.kind == .badValue && $0.message.contains("is labelled") })
    }

    @Test func schemaFileErrorsAreNamed() throws {
        let dir = TemporaryDirectory()
        try SyntheticAQUA.write(to: dir.url, Self.config)
        dir.write("{\"label\": {\"field\": \"label\", \"classes\": [\"a\", \"b\"]}, \"fields\": [{\"name\": \"x\", \"kind\": \"category\"}]}",
                  to: "schema.json")
        let error = #expect(throws: DataError.self) { try load(dir) }
        #expect(error?.file == "schema.json" && error?.column == "x")
    }
}
