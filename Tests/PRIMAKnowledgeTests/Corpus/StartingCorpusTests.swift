import Foundation
import PRIMAKnowledge
import Testing

/// The corpus shipped as a resource of PRIMAKnowledge.
@Suite struct StartingCorpusTests {
    @Test func everyRiskFactorAndDiagnosisIsCoveredAndApproved() throws {
        let entries = try StartingCorpus.load().entries
        #expect(Set(entries.map(\.id)).count == entries.count, "duplicate ids")
        for dataset in [KnowledgeDataset.padUFES20, .aquaKeratitis] {
            let shipped = try StartingCorpus.entries(for: dataset)
            #expect(shipped.map(\.riskFactor).sorted() == dataset.riskFactors.map(\.id).sorted(), "\(dataset.id)")
            for entry in shipped {
                #expect(entry.diagnoses.map(\.diagnosis) == dataset.diagnoses.map(\.code), "\(entry.id)")
                #expect(entry.diagnoses.allSatisfy { $0.text.split(separator: " ").count >= 8 }, "\(entry.id): a paragraph is too short")
                #expect(entry.summary.split(separator: " ").count >= 25, "\(entry.id): summary too short")
                #expect(entry.notes?.contains("Sources (by name): ") == true, "\(entry.id): no sources")
            }
        }
        #expect(entries.count == KnowledgeDataset.padUFES20.riskFactors.count + KnowledgeDataset.aquaKeratitis.riskFactors.count)
        #expect(entries.allSatisfy { $0.approved == true && $0.reviewer == StartingCorpus.reviewer })
        #expect(StartingCorpus.reviewer == "PRIMA-Swift maintainers (written for the package; not clinical advice)")
    }

    @Test func theFileRoundTrips() throws {
        let url = try #require(KnowledgeCorpus.startingCorpusURL)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let entries = try StartingCorpus.load().entries
        #expect(lines.count == entries.count)
        let again = try entries.map { try JSONDecoder().decode(KnowledgeEntry.self, from: JSONEncoder().encode($0)) }
        #expect(again == entries)
    }
}
