import Foundation
import Testing
@testable import PRIMAData

@Suite struct MetadataTests {
    let record: MetadataRecord = [
        "age": .number(55), "gender": .category("FEMALE"), "fitspatrick": .number(3), "region": .category("FOREARM"),
        "diameter_1": .number(6), "diameter_2": .number(5.5), "itch": .bool(true), "grew": .bool(false),
        "smoke": .bool(false), "background_father": .category("POMERANIA"), "background_mother": .category("CHILE"),
    ]

    @Test func rendersSelectedFieldsInSchemaOrderOmittingMissingOnes() {
        let text = MetadataTextRenderer(schema: PADUFES.schema).render(record)
        #expect(text == "Age 55. Female. Fitzpatrick skin type 3. Lesion on the forearm. Diameter 6 mm. Second diameter 5.5 mm. "
                + "It itches. It has not grown. Non-smoker. Father's background: pomerania. Mother's background: chile.")
        #expect(MetadataTextRenderer(schema: PADUFES.schema).render([:]) == "")
    }

    @Test func neverRendersTheDiagnosisOrBiopsy() {
        var leaky = record
        leaky["diagnostic"] = .category("BCC")
        leaky["biopsed"] = .bool(true)
        let text = MetadataTextRenderer(schema: PADUFES.schema).render(leaky)
        #expect(text == MetadataTextRenderer(schema: PADUFES.schema).render(record))
        #expect(!text.contains("BCC") && !text.lowercased().contains("biops"))
    }

    @Test func schemaRefusesLabelOrLeakingFieldsAmongItsFields() {
        var schema = PADUFES.schema
        schema.fields.append(MetadataField(name: "biopsed", kind: .boolean, text: MetadataPhrase(whenTrue: "Biopsied.")))
        #expect(throws: DataError.self) { try schema.validate() }
        schema = PADUFES.schema
        schema.fields.append(MetadataField(name: "diagnostic", kind: .category, values: ["BCC"]))
        #expect(throws: DataError.self) { try schema.validate() }
        #expect(throws: Never.self) { try PADUFES.schema.validate() }
    }

    @Test func numbersAreFormattedCompactly() {
        #expect(MetadataTextRenderer.formatNumber(55) == "55")
        #expect(MetadataTextRenderer.formatNumber(6.5) == "6.5")
        #expect(MetadataTextRenderer.formatNumber(0.25) == "0.25")
        #expect(MetadataTextRenderer.formatNumber(1.0 / 3) == "0.33")
    }

    @Test func vectorLayoutIsStableAndDocumented() {
        let encoder = MetadataVectorEncoder(schema: PADUFES.schema)
        let names = encoder.slotNames
        // age 5 bins, gender 2, Fitzpatrick 6, region 14, diameters 5 + 5, 13 booleans × 3, backgrounds 2 × (13 + OTHER), 6 classes.
        #expect(encoder.dimension == 5 + 2 + 6 + 14 + 5 + 5 + 13 * 3 + 2 * 14 + 6)
        #expect(Array(names.prefix(7)) == ["age<30", "age∈[30,45)", "age∈[45,60)", "age∈[60,75)", "age≥75", "gender=FEMALE", "gender=MALE"])
        #expect(Array(names.suffix(6)) == PADUFESDiagnosis.allCases.map { "diagnostic=\($0.rawValue)" })
        #expect(names.contains("itch=missing") && names.contains("background_mother=OTHER"))
        #expect(Set(names).count == names.count)
    }

    @Test func vectorEncodesBinsBooleansCategoriesAndWeightedLabel() {
        let encoder = MetadataVectorEncoder(schema: PADUFES.schema)
        let y = encoder.encode(record, label: PADUFESDiagnosis.BCC.index)
        let hot = Dictionary(uniqueKeysWithValues: zip(encoder.slotNames, y).filter { $0.1 != 0 })
        #expect(hot["age∈[45,60)"] == 1 && hot["fitspatrick∈[3,4)"] == 1 && hot["diameter_1∈[5,10)"] == 1)
        #expect(hot["gender=FEMALE"] == 1 && hot["region=FOREARM"] == 1 && hot["background_mother=OTHER"] == 1)
        #expect(hot["itch=true"] == 1 && hot["grew=false"] == 1 && hot["hurt=missing"] == 1)
        #expect(hot["diagnostic=BCC"] == 3)
        // Every boolean has exactly one of its three slots set; missing categories and numbers are all zero.
        #expect(hot.count == 4 + 4 + 13 + 1)
    }

    @Test func labelsOnlyVariantAndLabelWeight() {
        let encoder = MetadataVectorEncoder(schema: PADUFES.schema, variant: .labelsOnly, labelWeight: 2)
        #expect(encoder.dimension == 6)
        #expect(encoder.encode(record, label: 2) == [0, 0, 2, 0, 0, 0])
        let batch = encoder.encodeBatch([record, [:]], labels: [0, 5])
        #expect(batch.shape == [2, 6] && batch.scalars == [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
    }

    @Test func schemaRoundTripsThroughJSONAndParsesCells() throws {
        let data = try JSONEncoder().encode(PADUFES.schema)
        let decoded = try JSONDecoder().decode(MetadataSchema.self, from: data)
        #expect(decoded == PADUFES.schema)
        let region = PADUFES.schema.field("region")!
        #expect(try PADUFES.schema.parse(" face ", as: region).get() == .category("FACE"))
        #expect(try PADUFES.schema.parse("UNK", as: region).get() == nil)
        #expect(try PADUFES.schema.parse("Brasil", as: PADUFES.schema.field("background_father")!).get() == .category("BRAZIL"))
        #expect(throws: MetadataSchema.ParseFailure.self) { try PADUFES.schema.parse("ELBOW", as: region).get() }
        #expect(throws: MetadataSchema.ParseFailure.self) { try PADUFES.schema.parse("yes", as: PADUFES.schema.field("smoke")!).get() }
    }
}
