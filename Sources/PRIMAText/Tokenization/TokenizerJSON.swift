import Foundation
import PRIMATensor

/// The parts of a Hugging Face `tokenizer.json` this library reads, decoded with `Codable`.
struct TokenizerJSON: Decodable, Sendable {
    let addedTokens: [AddedToken]
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let model: Model
    let postProcessor: PostProcessor?
    let decoder: TokenDecoder?
    let truncation: TruncationOptions?
    let padding: PaddingConfig?

    enum CodingKeys: String, CodingKey {
        case addedTokens = "added_tokens", normalizer, preTokenizer = "pre_tokenizer", model
        case postProcessor = "post_processor", decoder, truncation, padding
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        addedTokens = try c.decodeIfPresent([AddedToken].self, forKey: .addedTokens) ?? []
        normalizer = try c.decodeIfPresent(Normalizer.self, forKey: .normalizer)
        preTokenizer = try c.decodeIfPresent(PreTokenizer.self, forKey: .preTokenizer)
        model = try c.decode(Model.self, forKey: .model)
        postProcessor = try c.decodeIfPresent(PostProcessor.self, forKey: .postProcessor)
        self.decoder = try c.decodeIfPresent(TokenDecoder.self, forKey: .decoder)
        truncation = try c.decodeIfPresent(TruncationOptions.self, forKey: .truncation)
        padding = try c.decodeIfPresent(PaddingConfig.self, forKey: .padding)
    }

    /// Decodes `data`, turning decoding failures into a ``TokenizerError`` naming `file` and the JSON key.
    static func decode(_ data: Data, file: String) throws -> TokenizerJSON {
        do {
            let decoder = JSONDecoder()
            guard let scan = RawModelScanner.scan(data) else { return try decoder.decode(TokenizerJSON.self, from: data) }
            decoder.userInfo[.rawModel] = RawModel(vocabulary: scan.vocabulary, merges: scan.merges)
            return try decoder.decode(TokenizerJSON.self, from: scan.remainder)
        } catch let error as DecodingError {
            throw TokenizerError(decodingError: error, file: file, data: data)
        }
    }

    /// The longest padding or truncation length a file may ask for (2^20 tokens): far above any model's
    /// context, and small enough that a corrupt value cannot make `encode` allocate gigabytes.
    static let maximumLength = 1 << 20
}

/// `"padding"` of a tokenizer file; the pad token's name is checked against the vocabulary on loading.
struct PaddingConfig: Decodable, Sendable {
    let length: PaddingLength
    let direction: PaddingDirection
    let multipleOf: Int?
    let padID: Int
    let padTypeID: Int
    let padToken: String

    private struct Fixed: Decodable { let Fixed: Int }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        if let fixed: Fixed = try? c.need("strategy") {
            guard (0...TokenizerJSON.maximumLength).contains(fixed.Fixed) else {
                throw c.invalid("strategy", "fixed padding length \(fixed.Fixed) is outside 0...\(TokenizerJSON.maximumLength)")
            }
            length = .fixed(fixed.Fixed)
        } else {
            let name: String = try c.need("strategy")
            guard name == "BatchLongest" else {
                throw c.unsupported("padding strategy", name, supported: ["BatchLongest", "{\"Fixed\": n}"], key: "strategy")
            }
            length = .longest
        }
        let directionName: String = try c.get("direction", default: "Right")
        guard let direction = PaddingDirection(rawValue: directionName) else {
            throw c.unsupported("padding direction", directionName, supported: ["Left", "Right"], key: "direction")
        }
        self.direction = direction
        multipleOf = try c.optional("pad_to_multiple_of")
        if let multipleOf, !(1...TokenizerJSON.maximumLength).contains(multipleOf) {
            throw c.invalid("pad_to_multiple_of", "\(multipleOf) is outside 1...\(TokenizerJSON.maximumLength)")
        }
        padID = try c.get("pad_id", default: 0)
        padTypeID = try c.get("pad_type_id", default: 0)
        guard padTypeID >= 0 else { throw c.invalid("pad_type_id", "\(padTypeID) is negative") }
        padToken = try c.get("pad_token", default: "[PAD]")
    }
}

extension TokenizerError {
    /// The error of a failed decoding of `file`.
    /// `data` is the file's content, scanned for the line and column of a syntax error.
    init(decodingError: DecodingError, file: String, data: Data) {
        switch decodingError {
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                self.init(file: file, key: "", JSONSyntaxLocation.describeInvalidJSON(data))
            } else {
                self.init(file: file, key: context.codingPath.keyPath, context.debugDescription)
            }
        case .keyNotFound(let key, let context):
            self.init(file: file, key: (context.codingPath + [key]).keyPath, "missing required key \"\(key.stringValue)\"")
        case .typeMismatch(let type, let context):
            self.init(file: file, key: context.codingPath.keyPath, "expected a value of type \(type)")
        case .valueNotFound(let type, let context):
            self.init(file: file, key: context.codingPath.keyPath, "expected a value of type \(type), found null")
        @unknown default:
            self.init(file: file, key: "", "\(decodingError)")
        }
    }
}
