import Foundation
import Testing
@testable import PRIMAData

/// The synthetic datasets plant the risk-factor relations of the shipped knowledge corpus: the tables cite
/// real corpus entries and valid values, and the written files show the relations' directions.
@Suite struct SyntheticRelationsTests {
    /// The ids of the shipped corpus's entries (the corpus is a resource of PRIMAKnowledge, read here as a file).
    static let corpusEntryIDs: Set<String> = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/PRIMAKnowledge/Resources/starting_corpus.jsonl")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return Set(text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
        })
    }()

    @Test func everyPADUFESCorpusEntryIsPlantedOnARealColumn() {
        let cited = Set(PADUFESRiskFactors.relations.compactMap(\.corpusEntry))
        let padEntries = Self.corpusEntryIDs.filter { $0.hasPrefix("pad-ufes-20/") }
        #expect(padEntries.count == 19)
        #expect(cited == padEntries, "not planted: \(padEntries.subtracting(cited)); not in the corpus: \(cited.subtracting(padEntries))")
        for relation in PADUFESRiskFactors.relations {
            #expect(PADUFES.columns.contains(relation.field), "\(relation.field)")
            Self.checkShape(relation, classCount: 6)
        }
        let valid: [String: [String]] = ["region": PADUFES.regions, "gender": PADUFES.genders, "fitspatrick": (1...6).map(String.init),
                                         "background_father": PADUFES.backgrounds]
        for (field, values) in valid {
            guard case .weights(let table, _) = PADUFESRiskFactors.relations[field].distribution else { Issue.record("\(field)"); continue }
            for row in table { #expect(Set(row.keys).isSubset(of: values), "\(field): \(Set(row.keys).subtracting(values))") }
        }
    }

    @Test func theAQUATableCitesCorpusEntriesAndSchemaFields() {
        let cited = Set(AQUARiskFactors.relations.compactMap(\.corpusEntry))
        let aquaEntries = Self.corpusEntryIDs.filter { $0.hasPrefix("aqua/") }
        // The keratitis schema has no column for these three factors.
        let notInSchema: Set<String> = ["aqua/ocular_surface_disease", "aqua/ocular_surgery", "aqua/climate"]
        #expect(notInSchema.isSubset(of: aquaEntries))
        #expect(cited == aquaEntries.subtracting(notInSchema), "not planted: \(aquaEntries.subtracting(cited).subtracting(notInSchema))")
        #expect(AQUARiskFactors.relations.map(\.field) == AQUA.keratitisSchema.fields.map(\.name))
        for relation in AQUARiskFactors.relations { Self.checkShape(relation, classCount: 2) }
    }

    @Test func padufesFilesShowTheCorpusRelations() throws {
        let dir = TemporaryDirectory()
        let records = try SyntheticPADUFES.write(to: dir.url, .init(imageCount: 1200, seed: 7, imageSides: 8...8))
        withExtendedLifetime(dir) {}
        // One row per lesion.
        var seen = Set<Int>()
        let lesions = records.filter { seen.insert($0.lesionID).inserted }
        func rows(_ d: PADUFESDiagnosis) -> [PADUFESRecord] { lesions.filter { $0.diagnostic == d } }
        func mean(_ d: PADUFESDiagnosis, _ value: (PADUFESRecord) -> Double?) -> Double {
            let values = rows(d).compactMap(value)
            return values.reduce(0, +) / Double(max(values.count, 1))
        }
        func share(_ d: PADUFESDiagnosis, _ answer: (PADUFESRecord) -> Bool?) -> Double { mean(d) { answer($0).map { $0 ? 1 : 0 } } }
        // pad-ufes-20/age: nevi in the young; SEK, ACK and SCC in the old.
        for d in [PADUFESDiagnosis.SEK, .ACK, .SCC, .BCC] { #expect(mean(d) { $0.age.map(Double.init) } > mean(.NEV) { $0.age.map(Double.init) } + 15, "\(d)") }
        // pad-ufes-20/diameter: SCC larger than ACK and nevi.
        #expect(mean(.SCC, { $0.diameter1 }) > 1.4 * mean(.ACK, { $0.diameter1 }))
        #expect(mean(.SCC, { $0.diameter1 }) > 1.4 * mean(.NEV, { $0.diameter1 }))
        // pad-ufes-20/changed, /hurt, /bleed.
        #expect(share(.MEL, \.changed) > share(.NEV, \.changed) + 0.3)
        #expect(share(.SCC, \.hurt) > share(.BCC, \.hurt) + 0.15)
        #expect(share(.BCC, \.bleed) > share(.SEK, \.bleed) + 0.3)
        // pad-ufes-20/region: the head and hands for keratinocyte lesions, rarely for nevi.
        let sunExposed: Set<String> = ["FACE", "NOSE", "EAR", "LIP", "SCALP", "HAND", "FOREARM"]
        func sunShare(_ d: PADUFESDiagnosis) -> Double { share(d) { $0.region.map(sunExposed.contains) } }
        #expect(sunShare(.ACK) > sunShare(.NEV) + 0.3 && sunShare(.SCC) > sunShare(.NEV) + 0.3)
        // pad-ufes-20/fitspatrick: fair skin (types 1–2) for the sun-related cancers more than for nevi.
        #expect(share(.BCC) { $0.fitzpatrick.map { $0 <= 2 } } > share(.NEV) { $0.fitzpatrick.map { $0 <= 2 } } + 0.1)
    }

    @Test func aquaFilesShowTheCorpusRelations() throws {
        let dir = TemporaryDirectory()
        try SyntheticAQUA.write(to: dir.url, .init(patientCount: 600, seed: 7, photosPerPatient: 1...1, imageSides: 8...8))
        let data = try AQUADataset(root: dir.url)
        withExtendedLifetime(dir) {}
        let patients = data.patientSamples()
        let fungal = patients.filter { $0.label == 1 }, bacterial = patients.filter { $0.label == 0 }
        // Roughly balanced, as AQUA.
        #expect(abs(Double(fungal.count) / Double(patients.count) - 0.5) < 0.06)
        func share(_ group: [DatasetSample], _ field: String) -> Double {
            let answers = group.compactMap { sample -> Double? in
                if case .bool(let b)? = sample.metadata[field] { return b ? 1 : 0 } else { return nil }
            }
            return answers.reduce(0, +) / Double(max(answers.count, 1))
        }
        func median(_ group: [DatasetSample], _ field: String) -> Double {
            let values = group.compactMap { sample -> Double? in
                if case .number(let x)? = sample.metadata[field] { return x } else { return nil }
            }.sorted()
            return values[values.count / 2]
        }
        #expect(share(bacterial, "contact_lens") > share(fungal, "contact_lens") + 0.1)  // aqua/contact_lens
        #expect(share(fungal, "plant_trauma") > share(bacterial, "plant_trauma") + 0.1)  // aqua/trauma
        #expect(share(fungal, "agricultural_work") > share(bacterial, "agricultural_work") + 0.1)  // aqua/occupation
        #expect(share(fungal, "topical_steroids") > share(bacterial, "topical_steroids"))  // aqua/topical_steroids
        #expect(median(fungal, "symptom_days") > median(bacterial, "symptom_days"))  // aqua/symptom_duration
        // Plant trauma is a kind of trauma.
        for p in patients {
            if case .bool(true)? = p.metadata["plant_trauma"], case .bool(let trauma)? = p.metadata["ocular_trauma"] { #expect(trauma) }
        }
    }

    /// One value per class in each distribution.
    static func checkShape(_ relation: RiskFactorRelation, classCount: Int) {
        let count: Int
        switch relation.distribution {
        case .normal(let p): count = p.count
        case .logNormal(let p): count = p.count
        case .yes(let p): count = p.count; #expect(p.allSatisfy { (0...1).contains($0) }, "\(relation.field)")
        case .weights(let p, _): count = p.count
        }
        #expect(count == classCount, "\(relation.field)")
    }
}
