import Foundation
import PRIMATensor

/// A tokenizer read from a Hugging Face `tokenizer.json`, giving the same ids as the `tokenizers` library.
///
/// The pipeline is the library's: added tokens are split out of the raw text (or, for `normalized` ones,
/// out of the normalized text), the rest is normalized, pre-tokenized into words and tokenized by the model
/// (byte-level BPE or WordPiece); then truncation, the post-processor's special tokens and padding.
///
/// ```swift
/// let tokenizer = try Tokenizer(contentsOf: url)
/// let batch = tokenizer.encodeBatch(["Age 55.", "Lesion on the forearm."], padding: .longest, truncation: 128)
/// let ids = batch.idsTensor()                 // [2, length]
/// let text = tokenizer.decode(batch.ids[0])   // special tokens skipped
/// ```
///
/// Supported components: normalizers BertNormalizer, NFC/NFD/NFKC/NFKD, Lowercase, StripAccents, Strip,
/// Replace (literal), Prepend, Sequence; pre-tokenizers BertPreTokenizer, ByteLevel, Split (literal, GPT-2's or
/// Qwen2/Qwen3's regex), WhitespaceSplit, Sequence; models BPE and WordPiece; post-processors
/// TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence; decoders ByteLevel, WordPiece,
/// BPEDecoder, Fuse, Sequence. Anything else is refused with a ``TokenizerError``. Character classes and
/// normalization follow the Unicode data versions the library uses (see `UnicodeClasses`), so ids agree on
/// every code point, not only on common text.
///
/// Sentence pairs and character offsets are not supported. A `Tokenizer` is immutable apart from its
/// padding and truncation settings, and safe to share across threads.
public struct Tokenizer: Sendable {
    /// Where the tokenizer was read from, for messages.
    public let source: String
    /// Truncation applied by ``encode(_:addSpecialTokens:)`` and batches; initially the file's `"truncation"`.
    public var truncation: TruncationOptions?
    /// Padding applied by ``encode(_:addSpecialTokens:)`` and batches; initially the file's `"padding"`.
    public var padding: PaddingOptions?

    /// The tokens of the file's `"added_tokens"`, matched in the text before the model runs.
    public let addedTokens: [AddedToken]

    private let normalizer: Normalizer?
    private let preTokenizer: PreTokenizer?
    private let model: Model
    private let postProcessor: PostProcessor?
    private let decoder: TokenDecoder?
    private let rawAddedTokens: AddedTokenMatcher
    private let normalizedAddedTokens: AddedTokenMatcher
    private let tokenOfID: [String?]
    private let idOfToken: Vocabulary
    private let specialTokens: Set<String>
    /// Each added token's content by id (a match that differs absorbed whitespace or was normalized).
    private let addedTokenScalars: [Int: [Unicode.Scalar]]

    /// Reads `tokenizer.json` at `url`.
    /// - Throws: ``TokenizerError`` naming the file, the JSON key and the problem: unreadable file, invalid
    ///   JSON (with its line and column), a missing model, an unsupported component, a merge or special token
    ///   that is not in the vocabulary, a token listed twice, an id that is negative or out of range, or a
    ///   padding or truncation length outside 0...2^20.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError(file: url.path, key: "", "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(data: data, source: url.path)
    }

    /// Reads a `tokenizer.json` held in memory; `source` names it in errors.
    /// - Throws: ``TokenizerError`` as ``init(contentsOf:)``.
    public init(data: Data, source: String = "<memory>") throws {
        let file = try TokenizerJSON.decode(data, file: source)
        self.source = source
        addedTokens = file.addedTokens
        normalizer = file.normalizer
        preTokenizer = file.preTokenizer
        model = file.model
        postProcessor = file.postProcessor
        decoder = file.decoder
        truncation = file.truncation

        var idOfToken = file.model.vocab
        // Ids index an array: they must be non-negative and not absurdly sparse (a corrupt id must not
        // allocate gigabytes).
        let idLimit = 4 * (idOfToken.count + file.addedTokens.count) + 1024
        func checkID(_ id: Int, _ token: String, _ key: String) throws {
            guard id >= 0 && id < idLimit else {
                throw TokenizerError(file: source, key: key, "token \(token.debugDescription) has id \(id); ids must lie in 0..<\(idLimit) for this vocabulary")
            }
        }
        var tokenOfID = [String?]()
        for (token, id) in idOfToken.entries {
            try checkID(id, token, "model.vocab")
            if id >= tokenOfID.count { tokenOfID.append(contentsOf: repeatElement(nil, count: id + 1 - tokenOfID.count)) }
            tokenOfID[id] = token
        }
        for (index, added) in file.addedTokens.enumerated() {
            try checkID(added.id, added.content, "added_tokens[\(index)].id")
            if added.id >= tokenOfID.count { tokenOfID.append(contentsOf: repeatElement(nil, count: added.id + 1 - tokenOfID.count)) }
            tokenOfID[added.id] = added.content
            idOfToken[added.content] = added.id
        }
        self.tokenOfID = tokenOfID
        self.idOfToken = idOfToken
        specialTokens = Set(file.addedTokens.filter(\.special).map(\.content))
        addedTokenScalars = Dictionary(file.addedTokens.map { ($0.id, Array($0.content.unicodeScalars)) }) { a, _ in a }
        rawAddedTokens = AddedTokenMatcher(file.addedTokens.filter { !$0.normalized })
        let normalizer = file.normalizer
        normalizedAddedTokens = AddedTokenMatcher(file.addedTokens.filter(\.normalized)) { normalizer?.normalize($0) ?? $0 }

        if let p = file.padding {
            // The pad id is written into every padded encoding, and from there indexes embedding tables.
            guard p.padID >= 0 && p.padID < tokenOfID.count && tokenOfID[p.padID] != nil else {
                throw TokenizerError(file: source, key: "padding.pad_id", "pad id \(p.padID) is not the id of any token")
            }
            padding = PaddingOptions(length: p.length, direction: p.direction, multipleOf: p.multipleOf,
                                     padID: p.padID, padTypeID: p.padTypeID, padToken: p.padToken)
        }
        if case .template(let pieces)? = file.postProcessor {
            for case .special(let ids, let tokens, _) in pieces {
                for (id, token) in zip(ids, tokens) where tokenOfID.indices.contains(id) == false || tokenOfID[id] == nil {
                    throw TokenizerError(file: source, key: "post_processor.special_tokens",
                                         "special token \(token.debugDescription) has id \(id), which is not in the vocabulary")
                }
            }
        }
    }

    // MARK: - Vocabulary

    /// The number of distinct tokens: the model's vocabulary and the added tokens (the library's
    /// `get_vocab_size(with_added_tokens=True)`).
    public var vocabularySize: Int { idOfToken.count }

    /// The id of `token` (an added token or a vocabulary entry), or nil.
    public func tokenID(for token: String) -> Int? { idOfToken[token] }

    /// The token of `id`, or nil if no token has that id.
    public func token(for id: Int) -> String? { id >= 0 && id < tokenOfID.count ? tokenOfID[id] : nil }

    /// True if `id` is a special added token (skipped by ``decode(_:skipSpecialTokens:)``).
    public func isSpecialToken(_ id: Int) -> Bool { token(for: id).map(specialTokens.contains) ?? false }

    private func firstID(_ names: [String]) -> Int? { names.lazy.compactMap { idOfToken[$0] }.first }

    /// The padding token: the file's padding setting, else `[PAD]`, `<pad>`, `<|padding|>` or `<|endoftext|>`.
    public var padTokenID: Int? { padding?.padID ?? firstID(["[PAD]", "<pad>", "<|padding|>", "<|endoftext|>"]) }
    /// `[CLS]` or `<s>`.
    public var clsTokenID: Int? { firstID(["[CLS]", "<s>"]) }
    /// `[SEP]` or `</s>`.
    public var sepTokenID: Int? { firstID(["[SEP]", "</s>"]) }
    /// `[MASK]` or `<mask>`.
    public var maskTokenID: Int? { firstID(["[MASK]", "<mask>"]) }
    /// `[UNK]` or `<unk>`.
    public var unknownTokenID: Int? { firstID(["[UNK]", "<unk>"]) }
    /// `<s>`, `<|begin_of_text|>` or `<bos>`.
    public var bosTokenID: Int? { firstID(["<s>", "<|begin_of_text|>", "<bos>"]) }
    /// `</s>`, `<|endoftext|>`, `<|end_of_text|>` or `<eos>`.
    public var eosTokenID: Int? { firstID(["</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>"]) }

    // MARK: - Encoding

    /// The tokens of `text`, with the post-processor's special tokens if `addSpecialTokens`, truncated and
    /// padded as ``truncation`` and ``padding`` say.
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> Encoding {
        var encoding = encodeUnpadded(text, addSpecialTokens: addSpecialTokens)
        if let padding { pad(&encoding, padding) }
        return encoding
    }

    /// The tokens of each text, truncated and padded as ``truncation`` and ``padding`` say (a batch is
    /// padded to its longest encoding with `.longest`). Texts are encoded in parallel.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true) -> BatchEncoding {
        var encodings = [Encoding](repeating: Encoding(), count: texts.count)
        encodings.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            Parallel.forEachRange(texts.count, costPerItem: 2_000) { range in
                for i in range { out.value[i] = encodeUnpadded(texts[i], addSpecialTokens: addSpecialTokens) }
            }
        }
        if let padding {
            var target = 0
            switch padding.length {
            case .longest: target = encodings.reduce(0) { max($0, $1.count) }
            case .fixed(let n): target = n
            }
            if let m = padding.multipleOf, m > 0, target % m != 0 { target += m - target % m }
            for i in encodings.indices { encodings[i].pad(to: target, padding) }
        }
        return BatchEncoding(encodings: encodings)
    }

    /// The tokens of each text, padded to `padding` (with ``padTokenID``) and cut to at most `maxLength`
    /// tokens, special tokens included.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true, padding: PaddingLength,
                            truncation maxLength: Int? = nil) -> BatchEncoding {
        var copy = self
        let padID = padTokenID ?? 0
        copy.padding = PaddingOptions(length: padding, padID: padID, padToken: token(for: padID) ?? "")
        copy.truncation = maxLength.map { TruncationOptions(maxLength: $0) }
        return copy.encodeBatch(texts, addSpecialTokens: addSpecialTokens)
    }

    private func pad(_ encoding: inout Encoding, _ options: PaddingOptions) {
        var target = encoding.count
        if case .fixed(let n) = options.length { target = n }
        if let m = options.multipleOf, m > 0, target % m != 0 { target += m - target % m }
        encoding.pad(to: target, options)
    }

    /// Added-token split, normalization, pre-tokenization, model, truncation and post-processing.
    private func encodeUnpadded(_ text: String, addSpecialTokens: Bool) -> Encoding {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        // An added token's token string is the text it matched (with absorbed whitespace), as in the library.
        var matchedTexts: [(index: Int, text: ArraySlice<Unicode.Scalar>)] = []
        func appendAddedToken(_ id: Int, _ matched: ArraySlice<Unicode.Scalar>) {
            if !matched.elementsEqual(addedTokenScalars[id] ?? []) { matchedTexts.append((ids.count, matched)) }
            ids.append(id)
        }
        let scalars = Array(text.unicodeScalars)
        var rawSegments: [TextSegment] = []
        rawAddedTokens.split(scalars[...], into: &rawSegments)
        for segment in rawSegments {
            switch segment {
            case .token(let id, let matched): appendAddedToken(id, matched)
            case .text(let raw):
                let normalized = normalizer?.normalize(Array(raw)) ?? Array(raw)
                var segments: [TextSegment] = []
                normalizedAddedTokens.split(normalized[...], into: &segments)
                for piece in segments {
                    switch piece {
                    case .token(let id, let matched): appendAddedToken(id, matched)
                    case .text(let text):
                        let words = preTokenizer?.preTokenize([Array(text)]) ?? [Array(text)]
                        for word in words { model.tokenize(word, into: &ids) }
                    }
                }
            }
        }
        var tokens = ids.map { tokenOfID[$0] ?? "" }
        for (index, matched) in matchedTexts { tokens[index] = Array(matched).string }
        var encoding = Encoding()
        encoding.append(ids: ids, tokens: tokens, typeID: 0, special: false)
        if let truncation {
            let added = addSpecialTokens ? (postProcessor?.addedTokenCount ?? 0) : 0
            encoding.truncate(to: max(0, truncation.maxLength - added), direction: truncation.direction)
        }
        postProcessor?.process(&encoding, addSpecialTokens: addSpecialTokens)
        return encoding
    }

    // MARK: - Decoding

    /// The text of `ids`: special added tokens are left out if `skipSpecialTokens`, ids with no token are
    /// ignored, and the file's decoder joins the tokens (without one, tokens are joined by spaces).
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard let token = token(for: id) else { continue }
            if skipSpecialTokens && specialTokens.contains(token) { continue }
            tokens.append(token)
        }
        return decoder?.decode(tokens) ?? tokens.joined(separator: " ")
    }
}
