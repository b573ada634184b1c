import Foundation
import PRIMAData

/// A document of the knowledge base (a paper abstract, guideline section or note) before chunking.
public struct KnowledgeDocument: Sendable, Codable, Equatable, Identifiable {
    /// Unique within the knowledge base.
    public var id: String
    /// The title.
    public var title: String
    /// The body text.
    public var text: String
    /// Where it came from (citation, URL or file path).
    public var source: String

    /// A document; `title` and `source` may be empty.
    public init(id: String, title: String, text: String, source: String) {
        self.id = id
        self.title = title
        self.text = text
        self.source = source
    }

    private enum CodingKeys: String, CodingKey { case id, title, text, source }

    /// Decodes a JSONL record: `id` and `text` are required, `title` and `source` optional (empty).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        text = try c.decode(String.self, forKey: .text)
        title = try c.decodeIfPresent(String.self, forKey: .title) ?? ""
        source = try c.decodeIfPresent(String.self, forKey: .source) ?? ""
    }
}

/// Reads the documents of a folder: plain text (`.txt`), Markdown (`.md`, `.markdown`) and JSON Lines (`.jsonl`,
/// one `{"id", "title", "text", "source"}` object per line), searched recursively in path order. Other files and
/// hidden files are ignored.
///
/// A text or Markdown file is one document whose id is its path relative to the folder without the extension,
/// whose title is its first Markdown `# ` heading (else the file name) and whose source is its relative path.
public enum DocumentLoader {
    /// The extensions read.
    public static let extensions: Set<String> = ["txt", "md", "markdown", "jsonl"]

    /// The documents of `folder`.
    /// - Throws: `DataError` naming the file (and line for JSONL): folder missing or without documents,
    ///   unreadable or non-UTF-8 file, empty document, bad JSONL record, duplicate id.
    public static func load(folder: URL) throws -> [KnowledgeDocument] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError(.missingFile, file: folder.path, "no such folder")
        }
        let root = folder.standardizedFileURL.resolvingSymlinksInPath()
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else {
            throw DataError(.io, file: folder.path, "cannot list the folder")
        }
        var files: [URL] = []
        for case let url as URL in walker where extensions.contains(url.pathExtension.lowercased()) {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { files.append(url) }
        }
        files.sort { $0.path < $1.path }
        var documents: [KnowledgeDocument] = [], fileOfID: [String: String] = [:]
        for file in files {
            let relative = String(file.standardizedFileURL.resolvingSymlinksInPath().path.dropFirst(root.path.count + 1))
            for document in try read(file: file, relativePath: relative) {
                if let other = fileOfID[document.id] {
                    throw DataError(.duplicate, file: file.path, "document id \"\(document.id)\" already used in \(other)")
                }
                fileOfID[document.id] = file.path
                documents.append(document)
            }
        }
        guard !documents.isEmpty else {
            throw DataError(.missingFile, file: folder.path, "no documents (.txt, .md, .markdown or .jsonl files) in the folder")
        }
        return documents
    }

    /// The documents of one file; `relativePath` names text documents.
    static func read(file: URL, relativePath: String) throws -> [KnowledgeDocument] {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw DataError(.io, file: file.path, "cannot read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw DataError(.badValue, file: file.path, "not UTF-8 text") }
        if file.pathExtension.lowercased() == "jsonl" { return try jsonLines(text, file: file.path) }
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty else { throw DataError(.badValue, file: file.path, "the document is empty") }
        let name = file.deletingPathExtension().lastPathComponent
        let heading = body.split(separator: "\n").first { $0.hasPrefix("# ") }.map { $0.dropFirst(2).trimmingCharacters(in: .whitespaces) }
        let id = (relativePath as NSString).deletingPathExtension
        return [KnowledgeDocument(id: id, title: heading ?? name, text: body, source: relativePath)]
    }

    /// The records of a JSON Lines file; blank lines are skipped.
    static func jsonLines(_ text: String, file: String) throws -> [KnowledgeDocument] {
        var documents: [KnowledgeDocument] = []
        let decoder = JSONDecoder()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            var document: KnowledgeDocument
            do { document = try decoder.decode(KnowledgeDocument.self, from: Data(trimmed.utf8)) } catch {
                throw DataError(.badValue, file: file, line: index + 1, "not a document record: \(JSONLines.describe(error))")
            }
            document.text = document.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !document.id.isEmpty else { throw DataError(.badValue, file: file, line: index + 1, "the id is empty") }
            guard !document.text.isEmpty else {
                throw DataError(.badValue, file: file, line: index + 1, "document \"\(document.id)\" has an empty text")
            }
            documents.append(document)
        }
        guard !documents.isEmpty else { throw DataError(.badValue, file: file, "no records in the JSON Lines file") }
        return documents
    }
}
