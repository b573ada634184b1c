/// A passage of a knowledge-base document: the unit that retrieval ranks and a prompt quotes.
public struct KnowledgeChunk: Sendable, Codable, Equatable, Identifiable {
    /// `"<document id>#<chunk number>"`, stable across rebuilds of the same documents.
    public var id: String
    /// The id of the document the chunk comes from.
    public var documentID: String
    /// The document's title (its file name without extension when it has none).
    public var title: String
    /// The chunk's text.
    public var text: String
    /// Where the document came from (a citation, URL or file path).
    public var source: String

    /// A chunk of document `documentID`.
    public init(id: String, documentID: String, title: String, text: String, source: String) {
        self.id = id
        self.documentID = documentID
        self.title = title
        self.text = text
        self.source = source
    }

    private enum CodingKeys: String, CodingKey {
        case id, documentID = "document_id", title, text, source
    }
}
