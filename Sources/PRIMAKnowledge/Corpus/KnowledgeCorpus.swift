import Foundation
import PRIMAData

/// The knowledge corpus: ``KnowledgeEntry`` values kept as a JSON Lines file, one entry per line.
///
/// Reading reports the file and the line of a bad entry; writing replaces the file atomically (a temporary file
/// renamed over it), so an interrupted write never leaves half a corpus.
public struct KnowledgeCorpus: Sendable, Equatable {
    /// The entries, in file order.
    public var entries: [KnowledgeEntry]

    /// A corpus of `entries`.
    /// - Precondition: ids are unique.
    public init(entries: [KnowledgeEntry] = []) {
        precondition(Set(entries.map(\.id)).count == entries.count, "knowledge entry ids must be unique")
        self.entries = entries
    }

    /// Reads a JSON Lines corpus; blank lines are skipped.
    /// - Throws: `DataError` naming the file and line: unreadable file, a line that is not a valid entry (with the
    ///   missing or mistyped key), a duplicate id, or no entries at all.
    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw DataError(.io, file: url.path, "cannot read the knowledge corpus: \(error.localizedDescription)")
        }
        try self.init(jsonLines: text, source: url.path)
    }

    /// Parses JSON Lines text; `source` names it in errors.
    public init(jsonLines text: String, source: String) throws {
        var entries: [KnowledgeEntry] = [], lineOfID: [String: Int] = [:]
        let decoder = JSONDecoder()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            let entry: KnowledgeEntry
            do { entry = try decoder.decode(KnowledgeEntry.self, from: Data(trimmed.utf8)) } catch {
                throw DataError(.badValue, file: source, line: index + 1, "not a knowledge entry: \(JSONLines.describe(error))")
            }
            if let first = lineOfID[entry.id] {
                throw DataError(.duplicate, file: source, line: index + 1, "entry id \"\(entry.id)\" already used on line \(first)")
            }
            lineOfID[entry.id] = index + 1
            entries.append(entry)
        }
        guard !entries.isEmpty else { throw DataError(.badValue, file: source, "the knowledge corpus has no entries") }
        self.entries = entries
    }

    /// The corpus as JSON Lines (keys sorted, one entry per line, final newline).
    public func jsonLines() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try entries.map { String(decoding: try encoder.encode($0), as: UTF8.self) + "\n" }.joined()
    }

    /// Writes the corpus atomically to `url`.
    /// - Throws: `DataError` (`.io`) naming the file.
    public func write(to url: URL) throws {
        let data = Data(try jsonLines().utf8)
        do { try data.write(to: url, options: .atomic) } catch {
            throw DataError(.io, file: url.path, "cannot write the knowledge corpus: \(error.localizedDescription)")
        }
    }

    /// The entries a clinician approved: what refinement trains on.
    public var approvedEntries: [KnowledgeEntry] { entries.filter { $0.approved == true } }
    /// The entries waiting for review.
    public var pendingEntries: [KnowledgeEntry] { entries.filter(\.isPendingReview) }

    /// Adds `entry`, or replaces the entry with the same id (a regenerated entry goes back to review).
    public mutating func upsert(_ entry: KnowledgeEntry) {
        if let index = entries.firstIndex(where: { $0.id == entry.id }) { entries[index] = entry } else { entries.append(entry) }
    }
}

/// Helpers shared by the JSON Lines readers.
enum JSONLines {
    /// A short account of a decoding error: the key path and what was wrong, without Foundation's boilerplate.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return keys.isEmpty ? "" : " at \"\(keys)\""
        }
        switch error {
        case let .keyNotFound(key, context): return "missing key \"\(key.stringValue)\"\(path(context))"
        case let .typeMismatch(type, context): return "expected \(type)\(path(context))"
        case let .valueNotFound(type, context): return "expected \(type), found null\(path(context))"
        case let .dataCorrupted(context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return (underlying ?? context.debugDescription) + path(context)
        @unknown default: return "\(error)"
        }
    }
}

extension KnowledgeCorpus {
    /// The starting corpus shipped with the library (`Resources/starting_corpus.jsonl`), nil if the resource is missing.
    public static var startingCorpusURL: URL? {
        Bundle.module.url(forResource: "starting_corpus", withExtension: "jsonl")
    }
}
