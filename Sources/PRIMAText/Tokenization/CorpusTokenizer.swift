import Foundation

/// **[ours]** A BERT WordPiece tokenizer made in code from a corpus, for a text encoder with random weights and no
/// checkpoint (hence no `tokenizer.json`): the default experiment's text encoder, and tests of stage 1.
///
/// It is an ordinary `tokenizer.json` (BERT normaliser with lower-casing, BERT pre-tokeniser, WordPiece,
/// `[CLS] … [SEP]` template) whose vocabulary is the five special tokens, every word of the corpus as a whole
/// token, and each character met in the corpus alone and as a `##` continuation, so that text outside the
/// corpus still tokenizes (into characters) instead of becoming `[UNK]`. Build it from the metadata texts only:
/// they never contain the label.
public enum CorpusTokenizer {
    /// The special tokens, with ids 0…4 in this order.
    public static let specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    /// The vocabulary of `corpus`: special tokens, then the sorted words, then the characters and their `##` forms.
    public static func vocabulary(of corpus: [String]) -> [String] {
        var corpusWords = Set<String>(), characters = Set<String>()
        for text in corpus {
            for word in words(in: text) {
                corpusWords.insert(word)
                for character in word { characters.insert(String(character)) }
            }
        }
        let sortedCharacters = characters.sorted()
        var vocabulary = specialTokens
        var seen = Set(vocabulary)
        for token in corpusWords.sorted() + sortedCharacters + sortedCharacters.map({ "##" + $0 }) where seen.insert(token).inserted {
            vocabulary.append(token)
        }
        return vocabulary
    }

    /// The tokenizer of `corpus`.
    /// - Throws: `TokenizerError` if the generated file is refused (a bug).
    public static func make(corpus: [String]) throws -> Tokenizer {
        try Tokenizer(data: json(vocabulary: vocabulary(of: corpus)), source: "<corpus WordPiece tokenizer>")
    }

    /// The `tokenizer.json` of a vocabulary whose first five entries are ``specialTokens``.
    public static func json(vocabulary: [String]) throws -> Data {
        precondition(Array(vocabulary.prefix(specialTokens.count)) == specialTokens, "the vocabulary must start with the special tokens")
        let added: [[String: Any]] = specialTokens.enumerated().map { id, token in
            ["id": id, "content": token, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true]
        }
        func special(_ token: String) -> [String: Any] { ["SpecialToken": ["id": token, "type_id": 0]] }
        let sequence: [String: Any] = ["Sequence": ["id": "A", "type_id": 0]]
        let file: [String: Any] = [
            "version": "1.0",
            "truncation": NSNull(), "padding": NSNull(),
            "added_tokens": added,
            "normalizer": ["type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                           "strip_accents": NSNull(), "lowercase": true],
            "pre_tokenizer": ["type": "BertPreTokenizer"],
            "post_processor": [
                "type": "TemplateProcessing",
                "single": [special("[CLS]"), sequence, special("[SEP]")],
                "pair": [special("[CLS]"), sequence, special("[SEP]"),
                         ["Sequence": ["id": "B", "type_id": 1]], ["SpecialToken": ["id": "[SEP]", "type_id": 1]]],
                "special_tokens": ["[CLS]": ["id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]],
                                   "[SEP]": ["id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]]],
            ],
            "decoder": ["type": "WordPiece", "prefix": "##", "cleanup": true],
            "model": ["type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                      "vocab": Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($1, $0) })],
        ]
        return try JSONSerialization.data(withJSONObject: file, options: [.sortedKeys])
    }

    /// Lower-cased words of `text` as BERT's pre-tokeniser splits them: runs of letters and digits, and each
    /// punctuation character on its own.
    public static func words(in text: String) -> [String] {
        var out: [String] = [], current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else {
                if !current.isEmpty { out.append(current); current = "" }
                if !character.isWhitespace { out.append(String(character)) }
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
