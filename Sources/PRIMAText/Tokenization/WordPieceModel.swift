/// WordPiece (`"model": {"type": "WordPiece"}`, BERT): each word is cut greedily into the longest vocabulary
/// entries from the left, pieces after the first carrying the `##` prefix; a word with no such cut, or longer
/// than `max_input_chars_per_word`, becomes the unknown token.
struct WordPieceModel: Sendable {
    /// Token → id.
    let vocab: Vocabulary
    private let unknownID: Int
    private let continuingSubwordPrefix: String
    private let maxInputCharactersPerWord: Int
    /// The longest vocabulary entry in scalars (without the prefix): no longer candidate needs a lookup.
    private let longestPiece: Int

    init(from c: KeyedDecodingContainer<JSONKey>) throws {
        vocab = try c.need("vocab", as: Vocabulary.self)
        let unknownToken: String = try c.get("unk_token", default: "[UNK]")
        guard let id = vocab[unknownToken] else {
            throw c.invalid("unk_token", "unknown token \(unknownToken.debugDescription) is not in the vocabulary")
        }
        unknownID = id
        continuingSubwordPrefix = try c.get("continuing_subword_prefix", default: "##")
        maxInputCharactersPerWord = try c.get("max_input_chars_per_word", default: 100)
        longestPiece = vocab.entries.reduce(0) { max($0, $1.token.unicodeScalars.count) }
    }

    /// Appends the ids of `word`.
    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        guard !word.isEmpty else { return }
        if word.count > maxInputCharactersPerWord { ids.append(unknownID); return }
        let firstNew = ids.count
        var start = 0
        while start < word.count {
            var end = min(word.count, start + longestPiece)
            var found: Int?
            while start < end {
                var piece = word[start..<end].asString
                if start > 0 { piece = continuingSubwordPrefix + piece }
                if let id = vocab[piece] { found = id; break }
                end -= 1
            }
            guard let id = found else {
                ids.removeSubrange(firstNew...)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}

extension ArraySlice where Element == Unicode.Scalar {
    /// The scalars as a `String`.
    var asString: String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: self)
        return String(view)
    }
}
