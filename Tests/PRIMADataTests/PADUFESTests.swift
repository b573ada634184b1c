import Foundation
import Testing
@testable import PRIMAData

/// A hand-written three-row PAD-UFES-20 folder; images are empty files (the reader does not decode them).
private func makeDataset(rows: [String], header: String = PADUFES.columns.joined(separator: ","),
                         images: [String: String] = ["PAT_1_1_10.png": "imgs_part_1", "PAT_1_1_11.png": "imgs_part_2",
                                                     "PAT_2_5_20.png": "imgs_part_3"]) -> TemporaryDirectory {
    let dir = TemporaryDirectory()
    dir.write(([header] + rows).joined(separator: "\n") + "\n", to: "metadata.csv")
    for (name, folder) in images { dir.write("", to: "\(folder)/\(name)") }
    return dir
}

private let goodRows = [
    "PAT_1,1,False,True,POMERANIA,BRASIL,55,False,FEMALE,True,False,True,True,3.0,FOREARM,6.0,5.5,BCC,True,UNK,False,True,False,True,PAT_1_1_10.png,True",
    "PAT_1,1,False,True,POMERANIA,BRASIL,55,False,FEMALE,True,False,True,True,3.0,FOREARM,6.0,5.5,BCC,True,UNK,False,True,False,True,PAT_1_1_11.png,True",
    "PAT_2,5,,,,,8,,,,,,,,ARM,,,NEV,False,False,False,False,False,False,PAT_2_5_20.png,False",
]

/// Loads `dir`, keeping it alive (and on disk) until the load is done.
private func load(_ dir: TemporaryDirectory, _ policy: InvalidRowPolicy = .fail) throws -> PADUFESDataset {
    try withExtendedLifetime(dir) { try PADUFESDataset(root: dir.url, onInvalidRow: policy) }
}

/// Replaces the cell of `column` in a good row.
private func row(_ index: Int, setting column: String, to value: String) -> String {
    var cells = goodRows[index].components(separatedBy: ",")
    cells[PADUFES.columns.firstIndex(of: column)!] = value
    return cells.joined(separator: ",")
}

@Suite struct PADUFESTests {
    @Test func readsTypedRecordsAndResolvesImagesAcrossFolders() throws {
        let dir = makeDataset(rows: goodRows)
        let data = try load(dir)
        #expect(data.records.count == 3)
        let first = data.records[0]
        #expect(first.patientID == "PAT_1" && first.lesionID == 1)
        #expect(first.smoke == false && first.drink == true)
        #expect(first.backgroundMother == "BRAZIL")
        #expect(first.fitzpatrick == 3 && first.age == 55)
        #expect(first.diameter1 == 6 && first.diameter2 == 5.5)
        #expect(first.grew == nil && first.itch == true)
        #expect(first.diagnostic == .BCC && first.biopsed == true)
        let third = data.records[2]
        #expect(third.smoke == nil && third.gender == nil && third.fitzpatrick == nil && third.region == "ARM")
        #expect(data.imageURLs.map { $0.deletingLastPathComponent().lastPathComponent } == ["imgs_part_1", "imgs_part_2", "imgs_part_3"])
        #expect(data.report.skipped.isEmpty && data.report.loadedCount == 3)
    }

    /// Two rows as they appear in the real `metadata.csv` (pandas writes `3.0` and `6.0`, `UNK` for unknown answers).
    @Test func readsRowsOfTheRealFile() throws {
        let rows = ["PAT_771,1491,True,True,ITALY,ITALY,69,False,MALE,False,True,True,True,3.0,FACE,6.0,3.0,BCC,True,UNK,False,UNK,False,True,PAT_771_1491_390.png,True",
                    "PAT_1516,1765,,,,,8,,,,,,,,ARM,,,NEV,False,False,False,False,False,False,PAT_1516_1765_530.png,False"]
        let dir = makeDataset(rows: rows, images: ["PAT_771_1491_390.png": "imgs_part_2", "PAT_1516_1765_530.png": "imgs_part_1"])
        let data = try load(dir)
        let a = data.records[0], b = data.records[1]
        #expect(a.backgroundFather == "ITALY" && a.age == 69 && a.gender == "MALE" && a.fitzpatrick == 3 && a.region == "FACE")
        #expect(a.diameter1 == 6 && a.diameter2 == 3 && a.grew == nil && a.changed == nil && a.elevation == true && a.biopsed == true)
        #expect(b.age == 8 && b.smoke == nil && b.fitzpatrick == nil && b.diameter1 == nil && b.diagnostic == .NEV && b.bleed == false)
    }

    @Test func metadataLeavesOutIdsLabelAndBiopsed() throws {
        let data = try load(makeDataset(rows: goodRows))
        let m = data.records[0].metadata
        #expect(m["biopsed"] == nil && m["diagnostic"] == nil && m["img_id"] == nil)
        #expect(m["grew"] == nil)
        #expect(m["region"] == .category("FOREARM") && m["age"] == .number(55) && m["smoke"] == .bool(false))
        #expect(data.records[2].metadata.count == 8)  // age, region and the six lesion booleans
    }

    @Test func groupsPhotosOfALesionIntoOneSample() throws {
        let data = try load(makeDataset(rows: goodRows))
        let lesions = data.lesionSamples()
        #expect(lesions.map(\.id) == ["PAT_1/1", "PAT_2/5"])
        #expect(lesions[0].imagePaths.count == 2 && lesions[1].imagePaths.count == 1)
        #expect(lesions.map(\.label) == [PADUFESDiagnosis.BCC.index, PADUFESDiagnosis.NEV.index])
        #expect(data.imageSamples().count == 3)
    }

    @Test func recordCellsRoundTrip() throws {
        let dir = makeDataset(rows: goodRows)
        let data = try load(dir)
        let rewritten = CSVWriter.text(header: PADUFES.columns, rows: data.records.map(\.cells))
        dir.write(rewritten, to: "metadata.csv")
        #expect(try load(dir).records == data.records)
    }

    @Test func missingColumnNamesFileAndColumn() {
        let header = PADUFES.columns.filter { $0 != "pesticide" }.joined(separator: ",")
        let error = #expect(throws: DataError.self) { try load(makeDataset(rows: [], header: header)) }
        #expect(error?.kind == .missingColumn)
        #expect(error?.description.hasPrefix("metadata.csv, column 'pesticide'") == true)
    }

    @Test func badBooleanNamesFileRowAndColumn() {
        let rows = [goodRows[0], row(1, setting: "smoke", to: "yes")]
        let error = #expect(throws: DataError.self) { try load(makeDataset(rows: rows)) }
        #expect(error?.kind == .badValue)
        #expect(error?.description == "metadata.csv, line 3 (record 2), column 'smoke': expected True or False, found 'yes'")
    }

    @Test func badNumbersNameTheirColumn() {
        for (column, value) in [("diameter_1", "six"), ("age", "55.5"), ("fitspatrick", "7"), ("lesion_id", "x")] {
            let error = #expect(throws: DataError.self) {
                try load(makeDataset(rows: [row(0, setting: column, to: value)]))
            }
            #expect(error?.kind == .badValue)
            #expect(error?.description.hasPrefix("metadata.csv, line 2 (record 1), column '\(column)'") == true, "\(column)")
            #expect(error?.description.contains("'\(value)'") == true)
        }
    }

    @Test func badCategoryAndDiagnosisAreRejected() {
        for (column, value) in [("region", "ELBOW"), ("gender", "X"), ("diagnostic", "ABC")] {
            let error = #expect(throws: DataError.self) {
                try load(makeDataset(rows: [row(2, setting: column, to: value)]))
            }
            #expect(error?.column == column && error?.line == 2)
        }
    }

    @Test func duplicateImageIdNamesBothLines() {
        let rows = [goodRows[0], goodRows[2], goodRows[0]]
        let error = #expect(throws: DataError.self) { try load(makeDataset(rows: rows)) }
        #expect(error?.kind == .duplicate)
        #expect(error?.description == "metadata.csv, line 4 (record 3), column 'img_id': 'PAT_1_1_10.png' already appears on line 2")
    }

    @Test func missingImageFileNamesRowAndImage() {
        let dir = makeDataset(rows: goodRows, images: ["PAT_1_1_10.png": "imgs_part_1", "PAT_2_5_20.png": "imgs_part_3"])
        let error = #expect(throws: DataError.self) { try load(dir) }
        #expect(error?.kind == .missingFile)
        #expect(error?.description.hasPrefix("metadata.csv, line 3 (record 2), column 'img_id': image 'PAT_1_1_11.png' not found") == true)
    }

    @Test func skipPolicyReportsEverySkippedRowWithCounts() throws {
        let rows = goodRows + [row(0, setting: "smoke", to: "maybe"), goodRows[2], row(2, setting: "img_id", to: "nowhere.png")]
        let data = try load(makeDataset(rows: rows), .skip)
        #expect(data.records.count == 3)
        #expect(data.report.rowCount == 6 && data.report.loadedCount == 3)
        #expect(data.report.skippedCounts == [.badValue: 1, .duplicate: 1, .missingFile: 1])
        #expect(data.report.skipped.map(\.line) == [5, 6, 7])
        #expect(data.report.description == "loaded 3 of 6 rows; skipped 3 (badValue: 1, duplicate: 1, missingFile: 1)")
    }
}
