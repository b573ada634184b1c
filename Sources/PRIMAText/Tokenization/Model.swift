/// The model of a `tokenizer.json` (`"model"`): turns one pre-tokenized word into ids.
enum Model: Sendable {
    case bpe(BPEModel)
    case wordPiece(WordPieceModel)

    static let supported = ["BPE", "WordPiece"]

    /// Token → id of the model's vocabulary.
    var vocab: Vocabulary {
        switch self {
        case .bpe(let m): return m.vocab
        case .wordPiece(let m): return m.vocab
        }
    }

    /// Appends the ids of `word`.
    @inline(__always) func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        switch self {
        case .bpe(let m): m.tokenize(word, into: &ids)
        case .wordPiece(let m): m.tokenize(word, into: &ids)
        }
    }
}

extension Model: Decodable {
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        guard let type: String = try c.optional("type") else {
            throw DecodingError.keyNotFound(JSONKey("type"), .init(codingPath: decoder.codingPath,
                                                                   debugDescription: "the model has no \"type\" (expected BPE or WordPiece)"))
        }
        switch type {
        case "BPE": self = .bpe(try BPEModel(from: c, path: decoder.codingPath))
        case "WordPiece": self = .wordPiece(try WordPieceModel(from: c))
        default: throw c.unsupported("model type", type, supported: Self.supported)
        }
    }
}
