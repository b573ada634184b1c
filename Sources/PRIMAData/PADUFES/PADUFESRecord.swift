import Foundation

/// One row of PAD-UFES-20's `metadata.csv`, typed. `nil` is a missing value (an empty cell or `UNK`).
public struct PADUFESRecord: Sendable, Equatable {
    /// `patient_id`, e.g. `PAT_1516`.
    public var patientID: String
    /// `lesion_id`.
    public var lesionID: Int
    /// `smoke`: the patient smokes.
    public var smoke: Bool?
    /// `drink`: the patient drinks alcohol.
    public var drink: Bool?
    /// Upper case, `BRASIL` folded into `BRAZIL`.
    public var backgroundFather: String?
    /// `background_mother`, like ``backgroundFather``.
    public var backgroundMother: String?
    /// `age` in years.
    public var age: Int?
    /// `pesticide`: exposed to pesticides.
    public var pesticide: Bool?
    /// `FEMALE` or `MALE`.
    public var gender: String?
    /// `skin_cancer_history`: the patient had skin cancer before.
    public var skinCancerHistory: Bool?
    /// `cancer_history`: cancer in the family.
    public var cancerHistory: Bool?
    /// `has_piped_water`.
    public var hasPipedWater: Bool?
    /// `has_sewage_system`.
    public var hasSewageSystem: Bool?
    /// Fitzpatrick skin type 1…6 (the file's `fitspatrick`; written `3` or `3.0`).
    public var fitzpatrick: Int?
    /// Body region, one of ``PADUFES/regions``.
    public var region: String?
    /// `diameter_1` in millimetres.
    public var diameter1: Double?
    /// `diameter_2` in millimetres.
    public var diameter2: Double?
    /// `diagnostic`: the label.
    public var diagnostic: PADUFESDiagnosis
    /// `itch`: the lesion itches.
    public var itch: Bool?
    /// `grew`: the lesion has grown.
    public var grew: Bool?
    /// `hurt`: the lesion hurts.
    public var hurt: Bool?
    /// `changed`: the lesion has changed.
    public var changed: Bool?
    /// `bleed`: the lesion has bled.
    public var bleed: Bool?
    /// `elevation`: the lesion is raised.
    public var elevation: Bool?
    /// The photo's file name, with `.png`.
    public var imageID: String
    /// Leaks the label (every cancer is biopsied): never give it to a model.
    public var biopsed: Bool?

    /// The metadata fields keyed by column name, without the ids, the label and `biopsed`.
    public var metadata: MetadataRecord {
        var m = MetadataRecord()
        func put(_ key: String, _ value: MetadataValue?) { if let value { m[key] = value } }
        let bools: [(String, Bool?)] = [
            ("smoke", smoke), ("drink", drink), ("pesticide", pesticide), ("skin_cancer_history", skinCancerHistory),
            ("cancer_history", cancerHistory), ("has_piped_water", hasPipedWater), ("has_sewage_system", hasSewageSystem),
            ("itch", itch), ("grew", grew), ("hurt", hurt), ("changed", changed), ("bleed", bleed), ("elevation", elevation),
        ]
        for (k, v) in bools { put(k, v.map(MetadataValue.bool)) }
        let numbers: [(String, Double?)] = [("age", age.map(Double.init)), ("fitspatrick", fitzpatrick.map(Double.init)),
                                            ("diameter_1", diameter1), ("diameter_2", diameter2)]
        for (k, v) in numbers { put(k, v.map(MetadataValue.number)) }
        let categories: [(String, String?)] = [("background_father", backgroundFather), ("background_mother", backgroundMother),
                                               ("gender", gender), ("region", region)]
        for (k, v) in categories { put(k, v.map(MetadataValue.category)) }
        return m
    }

    /// The 26 cells of this record in ``PADUFES/columns`` order, as the real file writes them: missing → empty,
    /// and the float columns (`fitspatrick`, diameters) in Python's style, `3.0`, `5.5`.
    public var cells: [String] {
        func b(_ v: Bool?) -> String { v.map { $0 ? "True" : "False" } ?? "" }
        func n(_ v: Double?) -> String { v.map(\.description) ?? "" }
        return [patientID, String(lesionID), b(smoke), b(drink), backgroundFather ?? "", backgroundMother ?? "",
                age.map(String.init) ?? "", b(pesticide), gender ?? "", b(skinCancerHistory), b(cancerHistory),
                b(hasPipedWater), b(hasSewageSystem), n(fitzpatrick.map(Double.init)), region ?? "",
                n(diameter1), n(diameter2), diagnostic.rawValue, b(itch), b(grew), b(hurt), b(changed), b(bleed),
                b(elevation), imageID, b(biopsed)]
    }
}

extension PADUFESRecord {
    /// Parses one row of `table`, whose header has every column of ``PADUFES/columns``.
    /// - Throws: ``DataError`` `.badValue` naming the file, line, record and column.
    init(row: CSVTable.Row, in table: CSVTable, columns: [String: Int]) throws {
        let cells = CellReader(row: row, table: table, columns: columns)
        patientID = try cells.required("patient_id")
        lesionID = try cells.integer("lesion_id", in: 0...Int.max) ?? { throw cells.fail("lesion_id", "required value is missing") }()
        smoke = try cells.bool("smoke")
        drink = try cells.bool("drink")
        backgroundFather = try cells.category("background_father")
        backgroundMother = try cells.category("background_mother")
        age = try cells.integer("age", in: 0...130)
        pesticide = try cells.bool("pesticide")
        gender = try cells.category("gender", domain: PADUFES.genders)
        skinCancerHistory = try cells.bool("skin_cancer_history")
        cancerHistory = try cells.bool("cancer_history")
        hasPipedWater = try cells.bool("has_piped_water")
        hasSewageSystem = try cells.bool("has_sewage_system")
        fitzpatrick = try cells.integer("fitspatrick", in: 1...6)
        region = try cells.category("region", domain: PADUFES.regions)
        diameter1 = try cells.number("diameter_1")
        diameter2 = try cells.number("diameter_2")
        let diagnosis = try cells.required("diagnostic")
        guard let d = PADUFESDiagnosis(rawValue: diagnosis.uppercased()) else {
            throw cells.fail("diagnostic", "expected one of \(PADUFESDiagnosis.allCases.map(\.rawValue).joined(separator: ", ")), found '\(diagnosis)'")
        }
        diagnostic = d
        itch = try cells.bool("itch")
        grew = try cells.bool("grew")
        hurt = try cells.bool("hurt")
        changed = try cells.bool("changed")
        bleed = try cells.bool("bleed")
        elevation = try cells.bool("elevation")
        imageID = try cells.required("img_id")
        biopsed = try cells.bool("biopsed")
    }
}

/// Reads typed cells of one row, turning problems into errors that name the file, line, record and column.
private struct CellReader {
    let row: CSVTable.Row
    let table: CSVTable
    let columns: [String: Int]

    func fail(_ column: String, _ message: String) -> DataError { table.error(.badValue, row: row, column: column, message) }

    /// The trimmed cell, or nil when it is empty or `UNK`.
    func cell(_ column: String) -> String? {
        let value = row.cells[columns[column]!].trimmingCharacters(in: .whitespaces)
        return value.isEmpty || value == "UNK" ? nil : value
    }

    func required(_ column: String) throws -> String {
        guard let value = cell(column) else { throw fail(column, "required value is missing") }
        return value
    }

    func bool(_ column: String) throws -> Bool? {
        guard let value = cell(column) else { return nil }
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw fail(column, "expected True or False, found '\(value)'")
        }
    }

    func number(_ column: String) throws -> Double? {
        guard let value = cell(column) else { return nil }
        guard let x = Double(value), x.isFinite, x >= 0 else { throw fail(column, "expected a non-negative number, found '\(value)'") }
        return x
    }

    /// A whole number in `range`, written with or without a trailing `.0` (pandas writes `3.0`).
    func integer(_ column: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = cell(column) else { return nil }
        guard let x = Double(value), x.isFinite, x == x.rounded(), let i = Int(exactly: x), range.contains(i) else {
            let bounds = range.upperBound == Int.max ? "≥ \(range.lowerBound)" : "in \(range.lowerBound)…\(range.upperBound)"
            throw fail(column, "expected a whole number \(bounds), found '\(value)'")
        }
        return i
    }

    /// An upper-cased category, `BRASIL` folded into `BRAZIL`, checked against `domain` when given.
    func category(_ column: String, domain: [String]? = nil) throws -> String? {
        guard let value = cell(column) else { return nil }
        var upper = value.uppercased()
        if upper == "BRASIL" { upper = "BRAZIL" }
        if let domain, !domain.contains(upper) {
            throw fail(column, "expected one of \(domain.joined(separator: ", ")), found '\(value)'")
        }
        return upper
    }
}
