/// WordPiece (`"model": {"type": "WordPiece"}`, BERT): each word is cut greedily into the longest vocabulary
/// entries from the left, pieces after the first carrying the `##` prefix; a word with no such cut, or longer
/// than `max_input_chars_per_word`, becomes the unknown token.
///
/// The longest entry at a position is found by walking a trie of the vocabulary over Unicode scalars (one
/// for word starts, one for `##` continuations), so no candidate strings are built.
struct WordPieceModel: Sendable {
    /// Token → id.
    let vocab: Vocabulary
    private let unknownID: Int
    private let maxInputCharactersPerWord: Int
    private let starts: ScalarTrie
    private let continuations: ScalarTrie

    init(from c: KeyedDecodingContainer<JSONKey>) throws {
        vocab = try c.need("vocab", as: Vocabulary.self)
        let unknownToken: String = try c.get("unk_token", default: "[UNK]")
        guard let id = vocab[unknownToken] else {
            throw c.invalid("unk_token", "unknown token \(unknownToken.debugDescription) is not in the vocabulary")
        }
        unknownID = id
        let prefix: String = try c.get("continuing_subword_prefix", default: "##")
        maxInputCharactersPerWord = try c.get("max_input_chars_per_word", default: 100)
        var starts = ScalarTrie(), continuations = ScalarTrie()
        for (token, id) in vocab.entries {
            starts.insert(token.unicodeScalars, id: id)
            if let rest = token.droppingScalarPrefix(prefix) { continuations.insert(rest.unicodeScalars, id: id) }
        }
        self.starts = starts
        self.continuations = continuations
    }

    /// Appends the ids of `word`.
    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        guard !word.isEmpty else { return }
        if word.count > maxInputCharactersPerWord { ids.append(unknownID); return }
        let firstNew = ids.count
        var start = 0
        while start < word.count {
            guard let (id, end) = (start == 0 ? starts : continuations).longestMatch(in: word, from: start) else {
                ids.removeSubrange(firstNew...)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}

/// A trie over Unicode scalars with a token id at the nodes that end a token; children in one hash table
/// keyed by (node, scalar).
struct ScalarTrie: Sendable {
    private var children: [UInt64: Int32] = [:]
    private var tokenIDs: [Int32] = [-1]  // per node; node 0 is the root
    /// The root's children for ASCII scalars (-1: none), the most frequent first step, without hashing.
    private var asciiRoot = [Int32](repeating: -1, count: 128)

    @inline(__always) private static func key(_ node: Int32, _ scalar: Unicode.Scalar) -> UInt64 {
        UInt64(UInt32(node)) << 21 | UInt64(scalar.value)
    }

    mutating func insert(_ scalars: String.UnicodeScalarView, id: Int) {
        guard !scalars.isEmpty else { return }
        var node: Int32 = 0
        for scalar in scalars {
            let k = Self.key(node, scalar)
            if let child = children[k] {
                node = child
            } else {
                let child = Int32(tokenIDs.count)
                tokenIDs.append(-1)
                children[k] = child
                if node == 0 && scalar.value < 128 { asciiRoot[Int(scalar.value)] = child }
                node = child
            }
        }
        tokenIDs[Int(node)] = Int32(id)
    }

    /// The id and end of the longest token that `word[start...]` starts with.
    @inline(__always) func longestMatch(in word: [Unicode.Scalar], from start: Int) -> (id: Int, end: Int)? {
        var node: Int32 = 0
        var best: (id: Int, end: Int)?
        var i = start
        if word[i].value < 128 {
            // First step through the ASCII table.
            node = asciiRoot[Int(word[i].value)]
            guard node >= 0 else { return nil }
            i += 1
            let id = tokenIDs[Int(node)]
            if id >= 0 { best = (Int(id), i) }
        }
        while i < word.count, let child = children[Self.key(node, word[i])] {
            node = child
            i += 1
            let id = tokenIDs[Int(node)]
            if id >= 0 { best = (Int(id), i) }
        }
        return best
    }
}
