import PRIMATensor

/// The tokens of one text: ids with their token strings, type ids, attention mask and special-token mask,
/// all of the same length.
public struct Encoding: Sendable, Equatable {
    /// The token ids.
    public var ids: [Int] = []
    /// The token strings (vocabulary entries), for inspection.
    public var tokens: [String] = []
    /// The segment (token type) of each token: 0 for a single sequence unless the template says otherwise.
    public var typeIDs: [Int] = []
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int] = []
    /// 1 for special tokens added by the post-processor and for padding, 0 otherwise.
    public var specialTokensMask: [Int] = []

    /// An empty encoding.
    public init() {}

    /// The number of tokens.
    public var count: Int { ids.count }

    mutating func append(ids newIDs: [Int], tokens newTokens: [String], typeID: Int, special: Bool) {
        ids.append(contentsOf: newIDs)
        tokens.append(contentsOf: newTokens)
        typeIDs.append(contentsOf: repeatElement(typeID, count: newIDs.count))
        attentionMask.append(contentsOf: repeatElement(1, count: newIDs.count))
        specialTokensMask.append(contentsOf: repeatElement(special ? 1 : 0, count: newIDs.count))
    }

    /// Keeps `maxLength` tokens, dropping from the end (`.right`) or the start (`.left`).
    mutating func truncate(to maxLength: Int, direction: PaddingDirection) {
        guard count > maxLength else { return }
        let keep = max(0, maxLength)
        func cut<T>(_ a: inout [T]) { a = direction == .right ? Array(a.prefix(keep)) : Array(a.suffix(keep)) }
        cut(&ids); cut(&tokens); cut(&typeIDs); cut(&attentionMask); cut(&specialTokensMask)
    }

    /// Pads to `length` with `options`' pad token (nothing if already as long).
    mutating func pad(to length: Int, _ options: PaddingOptions) {
        let n = length - count
        guard n > 0 else { return }
        func add<T>(_ a: inout [T], _ value: T) {
            if options.direction == .right { a.append(contentsOf: repeatElement(value, count: n)) }
            else { a.insert(contentsOf: repeatElement(value, count: n), at: 0) }
        }
        add(&ids, options.padID); add(&tokens, options.padToken); add(&typeIDs, options.padTypeID)
        add(&attentionMask, 0); add(&specialTokensMask, 1)
    }
}

/// The encodings of a batch, padded to one length when padding is on.
public struct BatchEncoding: Sendable, Equatable {
    /// One encoding per text, in order.
    public var encodings: [Encoding]

    /// The ids of each text.
    public var ids: [[Int]] { encodings.map(\.ids) }
    /// The attention mask of each text (1 real token, 0 padding).
    public var attentionMask: [[Int]] { encodings.map(\.attentionMask) }
    /// The type ids of each text.
    public var typeIDs: [[Int]] { encodings.map(\.typeIDs) }

    /// The common length of the encodings; nil if they differ (padding was off).
    public var length: Int? {
        guard let first = encodings.first?.count else { return 0 }
        return encodings.allSatisfy { $0.count == first } ? first : nil
    }

    /// The ids as a `[batch, length]` tensor (integers held as Float, as index tensors are).
    /// - Precondition: the encodings have one length (padding was on).
    public func idsTensor() -> Tensor { matrix(\.ids) }

    /// The attention mask as a `[batch, length]` tensor of 0 and 1.
    /// - Precondition: the encodings have one length (padding was on).
    public func attentionMaskTensor() -> Tensor { matrix(\.attentionMask) }

    private func matrix(_ field: KeyPath<Encoding, [Int]>) -> Tensor {
        guard let length else { preconditionFailure("the encodings have different lengths; encode the batch with padding") }
        var scalars: [Float] = []
        scalars.reserveCapacity(encodings.count * length)
        for e in encodings { for v in e[keyPath: field] { scalars.append(Float(v)) } }
        return Tensor(shape: [encodings.count, length], scalars: scalars)
    }
}

/// Which end padding or truncation acts on.
public enum PaddingDirection: String, Sendable, Codable {
    case left = "Left", right = "Right"
}

/// How long padded encodings become.
public enum PaddingLength: Sendable, Equatable {
    /// The longest encoding of the batch.
    case longest
    /// Exactly this many tokens (longer encodings are not cut; use truncation for that).
    case fixed(Int)
}

/// Padding settings (the library's `enable_padding`).
public struct PaddingOptions: Sendable, Equatable {
    /// The target length.
    public var length: PaddingLength
    /// Which side gets the pad tokens.
    public var direction: PaddingDirection
    /// If set, the length is rounded up to a multiple of this.
    public var multipleOf: Int?
    /// The pad token's id.
    public var padID: Int
    /// The pad token's type id.
    public var padTypeID: Int
    /// The pad token's string.
    public var padToken: String

    /// Padding with the given pad token.
    public init(length: PaddingLength = .longest, direction: PaddingDirection = .right, multipleOf: Int? = nil,
                padID: Int, padTypeID: Int = 0, padToken: String) {
        self.length = length
        self.direction = direction
        self.multipleOf = multipleOf
        self.padID = padID
        self.padTypeID = padTypeID
        self.padToken = padToken
    }
}

/// Truncation settings (the library's `enable_truncation`, for single sequences).
public struct TruncationOptions: Sendable, Equatable, Decodable {
    /// The most tokens an encoding keeps, special tokens included.
    public var maxLength: Int
    /// Which end loses tokens.
    public var direction: PaddingDirection

    /// Truncation to `maxLength` tokens.
    public init(maxLength: Int, direction: PaddingDirection = .right) {
        precondition(maxLength >= 0, "maxLength must not be negative")
        self.maxLength = maxLength
        self.direction = direction
    }

    enum CodingKeys: String, CodingKey { case maxLength = "max_length", direction }

    /// Reads the `"truncation"` of a tokenizer file (`max_length`, `direction`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxLength = try c.decode(Int.self, forKey: .maxLength)
        direction = try c.decodeIfPresent(PaddingDirection.self, forKey: .direction) ?? .right
        guard (0...TokenizerJSON.maximumLength).contains(maxLength) else {
            throw DecodingError.dataCorruptedError(forKey: .maxLength, in: c,
                                                   debugDescription: "max_length \(maxLength) is outside 0...\(TokenizerJSON.maximumLength)")
        }
    }
}
