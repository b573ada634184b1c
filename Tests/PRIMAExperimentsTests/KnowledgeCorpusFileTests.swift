import Foundation
import PRIMAData
@testable import PRIMAExperiments
import PRIMAKnowledge
import Testing

/// Stage 1 on a user's knowledge corpus file (`--knowledge-corpus`): which entries it reads, errors naming the file
/// and line, and a stage-1 folder of its own.
@Suite struct KnowledgeCorpusFileTests {
    /// The shipped corpus's PAD-UFES-20 entries and one keratitis entry (another dataset's), as a user's file.
    static func writeCorpus(in folder: TemporaryDirectory, name: String = "corpus.jsonl",
                            edit: (inout [KnowledgeEntry]) -> Void = { _ in }) throws -> URL {
        let shipped = try StartingCorpus.load().entries
        var entries = shipped.filter { $0.dataset == KnowledgeDataset.padUFES20.id }
        entries.append(try #require(shipped.first { $0.dataset == KnowledgeDataset.aquaKeratitis.id }))
        edit(&entries)
        let url = folder.url.appendingPathComponent(name)
        try KnowledgeCorpus(entries: entries).write(to: url)
        return url
    }

    @Test("a corpus file gives the texts of its approved entries about the dataset's classes, in file order")
    func readsApprovedEntriesAboutTheClasses() throws {
        let folder = TemporaryDirectory()
        var pending: KnowledgeEntry?
        let url = try Self.writeCorpus(in: folder) { entries in
            // A user's own wording for one risk factor; a second entry still waiting for review.
            entries[0].summary = "Our clinic's summary of this risk factor."
            var waiting = entries[1]
            waiting.id = "pad-ufes-20/pending"
            waiting.approved = nil
            entries.append(waiting)
            pending = waiting
        }
        let texts = try KnowledgeStage.corpusTexts(contentsOf: url, classNames: TinyPADUFES.classNames)
        let shipped = try KnowledgeStage.startingCorpusTexts(classNames: TinyPADUFES.classNames)
        #expect(texts.count == shipped.count)
        #expect(texts[0].hasSuffix(": Our clinic's summary of this risk factor.") && texts[0] != shipped[0])
        #expect(Array(texts.dropFirst()) == Array(shipped.dropFirst()))
        #expect(!texts.contains { $0.lowercased().contains("fungal") })   // the keratitis entry is another dataset's
        #expect(try RefinementTexts.texts(of: #require(pending)).allSatisfy { text in texts.filter { $0 == text }.count == 1 })
    }

    @Test("a bad corpus file is refused naming the file and the line")
    func badFilesNameFileAndLine() throws {
        let folder = TemporaryDirectory()
        let good = try Self.writeCorpus(in: folder)
        var lines = try String(contentsOf: good, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func refusal(_ text: String, name: String) throws -> String {
            let url = folder.url.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            do {
                _ = try KnowledgeStage.corpusTexts(contentsOf: url, classNames: TinyPADUFES.classNames)
                Issue.record("\(name) was accepted")
                return ""
            } catch let error as ExperimentError {
                #expect(error.message.contains(url.path), "\(error)")
                return error.message
            }
        }
        // Line 3 is not JSON; a blank line before it still counts.
        var broken = lines
        broken.insert("", at: 1)
        broken[2] = "{\"id\": \"cut off"
        #expect(try refusal(broken.joined(separator: "\n"), name: "cut.jsonl").contains("line 3"))
        // Line 2 lacks the summary.
        let decoded = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as! [String: Any]
        var missing = decoded
        missing.removeValue(forKey: "summary")
        var keyless = lines
        keyless[1] = String(decoding: try JSONSerialization.data(withJSONObject: missing), as: UTF8.self)
        let keyMessage = try refusal(keyless.joined(separator: "\n"), name: "keyless.jsonl")
        #expect(keyMessage.contains("line 2") && keyMessage.contains("summary"), "\(keyMessage)")
        // An approved entry about the classes that misspells one diagnosis (line 4) would otherwise be dropped silently.
        let misspelt = try Self.writeCorpus(in: folder, name: "misspelt.jsonl") { entries in
            entries[3].diagnoses[2].diagnosis = "MELL"
        }
        let misspeltMessage = try refusal(try String(contentsOf: misspelt, encoding: .utf8), name: "misspelt.jsonl")
        #expect(misspeltMessage.contains("line 4") && misspeltMessage.contains("MELL"), "\(misspeltMessage)")
        // Nothing approved about these classes.
        lines = lines.filter { !$0.contains("\"pad-ufes-20\"") }
        #expect(try refusal(lines.joined(separator: "\n"), name: "keratitis.jsonl").contains("no approved entry"))
        // No such file.
        do {
            _ = try KnowledgeStage.corpusTexts(contentsOf: folder.url.appendingPathComponent("absent.jsonl"), classNames: TinyPADUFES.classNames)
            Issue.record("a missing file was accepted")
        } catch let error as ExperimentError {
            #expect(error.message.contains("absent.jsonl"), "\(error)")
        }
    }

    @Test("a corpus file is recorded in stage 1's settings: another corpus gets another stage-1 folder, the same one the same folder")
    func corpusKeysStageOne() throws {
        let folder = TemporaryDirectory()
        let first = try Self.writeCorpus(in: folder)
        let edited = try Self.writeCorpus(in: folder, name: "edited.jsonl") { $0[0].summary = "Another wording." }
        func stageOne(_ corpus: URL?) throws -> any RunStage {
            let experiments = try BaselineChoice.experiments([.prima], schema: PADUFES.schema, samples: TinyPADUFES.samples,
                                                             settings: TinyEncoders.settings, seed: 0, knowledgeCorpus: corpus)
            return try #require((experiments.first as? PRIMAExperiment)?.runStages.first)
        }
        let root = URL(fileURLWithPath: "/run")
        let shipped = try stageOne(nil), mine = try stageOne(first), other = try stageOne(edited)
        #expect(shipped.fingerprint["corpus"] == KnowledgeStage.shippedCorpusSource)
        #expect(mine.fingerprint["corpus"] == first.standardizedFileURL.path)
        // The same texts as the shipped entries, from another source; an edited entry changes the texts' digest.
        #expect(mine.fingerprint["texts_digest"] == shipped.fingerprint["texts_digest"])
        #expect(other.fingerprint["texts_digest"] != mine.fingerprint["texts_digest"])
        let folders = [shipped, mine, other].map { RunStageRunner.outputFolder(of: $0, in: root) }
        #expect(Set(folders).count == 3)
        #expect(RunStageRunner.outputFolder(of: try stageOne(first), in: root) == folders[1])
        // The baselines do not depend on stage 1's corpus.
        let baselines = try BaselineChoice.experiments([.imageMetadata], schema: PADUFES.schema, samples: TinyPADUFES.samples,
                                                       settings: TinyEncoders.settings, seed: 0, knowledgeCorpus: edited)
        let plain = try BaselineChoice.experiments([.imageMetadata], schema: PADUFES.schema, samples: TinyPADUFES.samples,
                                                   settings: TinyEncoders.settings, seed: 0)
        #expect(baselines[0].fingerprint == plain[0].fingerprint)
    }
}
