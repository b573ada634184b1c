import PRIMAText

/// Splits documents into overlapping chunks whose sizes are counted in tokens of the text encoder's tokenizer.
///
/// The text is cut between whitespace-separated words only, so a chunk is the document's words joined by single
/// spaces; a word's size is the number of tokens the tokenizer gives it alone (no special tokens). Words are added
/// while the chunk stays within ``maxTokens``; the next chunk starts with the last words of the previous one that
/// together hold at least ``overlapTokens`` tokens. A single word longer than ``maxTokens`` is a chunk of its own.
public struct Chunker: Sendable {
    /// The tokenizer that counts tokens (the text encoder's, so that a chunk fits the encoder's input).
    public let tokenizer: Tokenizer
    /// The most tokens in a chunk (default 200 **[ours]**).
    public let maxTokens: Int
    /// Tokens shared by consecutive chunks (default 40 **[ours]**).
    public let overlapTokens: Int

    /// A chunker; `overlapTokens` must be smaller than `maxTokens`.
    /// - Throws: `KnowledgeError` when the sizes are not usable.
    public init(tokenizer: Tokenizer, maxTokens: Int = 200, overlapTokens: Int = 40) throws {
        guard maxTokens >= 1 else { throw KnowledgeError("the chunk size must be at least 1 token, got \(maxTokens)") }
        guard overlapTokens >= 0, overlapTokens < maxTokens else {
            throw KnowledgeError("the chunk overlap must be between 0 and \(maxTokens - 1) tokens, got \(overlapTokens)")
        }
        self.tokenizer = tokenizer
        self.maxTokens = maxTokens
        self.overlapTokens = overlapTokens
    }

    /// The chunks of `document`, numbered from 0 (`"<id>#0"`, `"<id>#1"`, …).
    public func chunks(of document: KnowledgeDocument) -> [KnowledgeChunk] {
        let words = document.text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !words.isEmpty else { return [] }
        // Padding from the tokenizer's own settings is not counted: only real tokens (attention mask 1).
        var counting = tokenizer
        counting.padding = nil
        counting.truncation = nil
        let sizes = counting.encodeBatch(words, addSpecialTokens: false).encodings.map { max(1, $0.count) }
        var ranges: [Range<Int>] = []
        var start = 0
        while start < words.count {
            var end = start, total = 0
            while end < words.count, end == start || total + sizes[end] <= maxTokens {
                total += sizes[end]
                end += 1
            }
            ranges.append(start..<end)
            if end == words.count { break }
            // Step back over the words that make up the overlap, but always move forward.
            var next = end, shared = 0
            while next > start + 1, shared < overlapTokens {
                next -= 1
                shared += sizes[next]
            }
            start = next
        }
        return ranges.enumerated().map { number, range in
            KnowledgeChunk(id: "\(document.id)#\(number)", documentID: document.id, title: document.title,
                           text: words[range].joined(separator: " "), source: document.source)
        }
    }

    /// The chunks of every document, in order.
    public func chunks(of documents: [KnowledgeDocument]) -> [KnowledgeChunk] { documents.flatMap(chunks(of:)) }
}
