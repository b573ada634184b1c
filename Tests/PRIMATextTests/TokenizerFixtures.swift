import Foundation
import PRIMAText

/// The committed tokenizer fixtures of Scripts/reference/gen_tokenizers.py.
enum TokenizerFixtures {
    static let names = ["minilm", "modernbert", "qwen3", "bert_cased"]

    static func url(_ file: String) throws -> URL {
        let name = (file as NSString).deletingPathExtension
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw TokenizerError(file: file, key: "", "fixture not found; regenerate with Scripts/reference/gen_tokenizers.py")
        }
        return url
    }

    /// The tokenizer file of `name` (`minilm`, `modernbert`, `qwen3`).
    static func tokenizerURL(_ name: String) throws -> URL {
        switch name {
        case "minilm": return try url("minilm_tokenizer.json")
        case "bert_cased": return try url("bert_cased_wordpiece_tokenizer.json")
        default: return try url("\(name)_bpe_tokenizer.json")
        }
    }

    /// The tokenizer of `name` with the file's padding and truncation turned off (as the expected ids were made).
    static func tokenizer(_ name: String) throws -> Tokenizer {
        var tokenizer = try Tokenizer(contentsOf: tokenizerURL(name))
        tokenizer.padding = nil
        tokenizer.truncation = nil
        return tokenizer
    }

    static func corpus() throws -> [String] {
        struct Corpus: Decodable { let texts: [String] }
        return try JSONDecoder().decode(Corpus.self, from: Data(contentsOf: url("tokenizer_corpus.json"))).texts
    }

    static func expected(_ name: String) throws -> ExpectedTokenization {
        try JSONDecoder().decode(ExpectedTokenization.self, from: Data(contentsOf: url("tokenizer_expected_\(name).json")))
    }

    /// The texts `name`'s expectations are about (all of the corpus, or the listed subset), in order:
    /// every index of an expectation file refers to this list.
    static func texts(_ name: String) throws -> [String] {
        let corpus = try corpus()
        return try expected(name).indices.map { $0.map { corpus[$0] } } ?? corpus
    }
}

/// What the `tokenizers` library gave for the corpus.
struct ExpectedTokenization: Decodable {
    let indices: [Int]?
    let vocab_size: Int
    let token_ids: [String: Int?]
    let special_prefix: [Int]
    let special_suffix: [Int]
    let ids_exceptions: [String: String]
    let ids_plain: [String]
    let tokens_sample: [String: [String]]
    let decoded_skip: [String?]
    let decoded_keep: [String: String]
    let batches: [BatchCase]
    let file_defaults: [FileDefault]

    /// The ids of text `i` without special tokens.
    func plainIDs(_ i: Int) -> [Int] { Self.parse(ids_plain[i]) }

    /// The ids of text `i` with special tokens.
    func ids(_ i: Int) -> [Int] {
        if let explicit = ids_exceptions[String(i)] { return Self.parse(explicit) }
        return special_prefix + plainIDs(i) + special_suffix
    }

    static func parse(_ text: String) -> [Int] { text.split(separator: " ").map { Int($0)! } }

    struct BatchCase: Decodable {
        struct Padding: Decodable {
            let direction: String?
            let pad_to_multiple_of: Int?
            let length: Int?
            let pad_type_id: Int?
        }
        struct Truncation: Decodable {
            let max_length: Int
            let direction: String?
        }
        let config: String
        let padding: Padding?
        let truncation: Truncation?
        let pad_id: Int
        let pad_token: String
        let add_special_tokens: Bool
        let start: Int
        let ids: [[Int]]
        let attention_mask: [[Int]]
        let type_ids: [[Int]]
        let special_tokens_mask: [[Int]]
    }

    struct FileDefault: Decodable {
        let index: Int
        let ids: [Int]
        let attention_mask: [Int]
    }
}

/// Equal scalar for scalar (Swift's `==` on strings is canonical equivalence, which would hide a
/// normalization difference).
func identical(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

/// Equal scalar for scalar, element by element.
func identical(_ a: [String], _ b: [String]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { identical($0, $1) } }

/// A short printable form of a text for failure messages.
func shown(_ text: String) -> String { String(text.debugDescription.prefix(120)) }
