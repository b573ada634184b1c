// `prima-knowledge review`: list pending corpus entries, or approve/reject one.
import ArgumentParser
import Foundation
import PRIMAKnowledge

struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lists corpus entries pending review, or approves or rejects one (the file is rewritten atomically).")

    @Option(help: ArgumentHelp("The knowledge corpus (JSON Lines).", valueName: "file")) var corpus: String
    @Option(help: "The entry to review; without it, the pending entries are listed.") var id: String?
    @Flag(help: "Approve the entry.") var approve = false
    @Flag(help: "Reject the entry.") var reject = false
    @Option(help: "Who reviews.") var reviewer: String?
    @Option(help: "Remarks kept with the entry.") var notes: String?

    func validate() throws {
        if id == nil {
            guard !approve, !reject else { throw ValidationError("--approve and --reject need --id") }
        } else {
            guard approve != reject else { throw ValidationError("give exactly one of --approve and --reject with --id") }
            guard let reviewer, !reviewer.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reviewer is required with --id") }
        }
    }

    func run() throws {
        try reportingErrors {
            let url = URL(fileURLWithPath: corpus)
            guard let id else {
                let loaded = try KnowledgeCorpus(contentsOf: url)
                for entry in loaded.pendingEntries {
                    print("\(entry.id)\t\(entry.diagnoses.count) diagnoses\t\(entry.summary.prefix(80))")
                }
                print("\(loaded.pendingEntries.count) pending, \(loaded.approvedEntries.count) approved, "
                      + "\(loaded.entries.count - loaded.pendingEntries.count - loaded.approvedEntries.count) rejected")
                return
            }
            try KnowledgeCorpus.review(file: url, id: id, verdict: approve ? .approve : .reject, reviewer: reviewer!, notes: notes)
            print("\(id): \(approve ? "approved" : "rejected") by \(reviewer!)")
        }
    }
}
