import Foundation
import PRIMAData

/// A clinician's verdict on one corpus entry.
public enum ReviewVerdict: String, Sendable, Codable, CaseIterable {
    /// The entry is right and may train the text encoder.
    case approve
    /// The entry is wrong or unsafe; it stays in the file but is never used.
    case reject
}

extension KnowledgeCorpus {
    /// Records `verdict` by `reviewer` (with optional `notes`) on the entry `id`.
    /// - Throws: ``KnowledgeError`` when no entry has that id or the reviewer is empty.
    public mutating func review(id: String, verdict: ReviewVerdict, reviewer: String, notes: String? = nil) throws {
        let name = reviewer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw KnowledgeError("a review needs the reviewer's name") }
        guard let index = entries.firstIndex(where: { $0.id == id }) else {
            throw KnowledgeError("no corpus entry has id \"\(id)\" (ids: \(entries.map(\.id).joined(separator: ", ")))")
        }
        entries[index].approved = verdict == .approve
        entries[index].reviewer = name
        entries[index].notes = notes.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Reads the corpus at `url`, records the verdict on entry `id` and rewrites the file atomically.
    /// - Throws: `DataError` for the file, ``KnowledgeError`` for the review; the file is untouched on error.
    public static func review(file url: URL, id: String, verdict: ReviewVerdict, reviewer: String, notes: String? = nil) throws {
        var corpus = try KnowledgeCorpus(contentsOf: url)
        try corpus.review(id: id, verdict: verdict, reviewer: reviewer, notes: notes)
        try corpus.write(to: url)
    }
}
