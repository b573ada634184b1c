/// A string compared and hashed by its UTF-8 bytes, as the library compares tokens — Swift's `String`
/// equality is canonical equivalence (`"é"` equals `"e\u{301}"`), which would find vocabulary entries the
/// library does not.
struct ExactString: Hashable, Sendable {
    let value: String

    init(_ value: String) { self.value = value }

    static func == (a: ExactString, b: ExactString) -> Bool { a.value.utf8.elementsEqual(b.value.utf8) }

    func hash(into hasher: inout Hasher) {
        let hashed: Void? = value.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {
            for byte in value.utf8 { hasher.combine(byte) }
        }
    }
}

/// `model.vocab` and `model.merges` as read by ``RawModelScanner``, handed to the decoder (which then finds
/// `{}` and `[]` in their place).
struct RawModel: Sendable {
    let vocabulary: [(String, Int)]?
    let merges: [(String, String)]?

    /// The raw model of `decoder`, if the value being decoded is `model.<key>`.
    static func of(_ decoder: any Decoder, key: String) -> RawModel? {
        guard decoder.codingPath.map(\.stringValue) == ["model", key] else { return nil }
        return decoder.userInfo[.rawModel] as? RawModel
    }
}

extension CodingUserInfoKey {
    static let rawModel = CodingUserInfoKey(rawValue: "PRIMAText.rawModel")!
}

/// Token → id, matched byte for byte.
struct Vocabulary: Sendable, Decodable {
    private var ids: [ExactString: Int]

    /// The largest id a token may have: ids are stored as `Int32` in the models' tables.
    static let maximumID = Int(Int32.max) - 1

    /// A problem with one entry: a token listed twice or an id out of range.
    struct EntryError: Error {
        let message: String
    }

    init(_ entries: [String: Int]) throws {
        try self.init(entries: entries.map { ($0.key, $0.value) })
    }

    /// The vocabulary of `entries`.
    /// - Throws: ``EntryError`` for a token listed twice (byte for byte) or an id outside 0...``maximumID``.
    init(entries: [(String, Int)]) throws {
        ids = [:]
        ids.reserveCapacity(entries.count)
        for (token, id) in entries {
            guard id >= 0 && id <= Self.maximumID else {
                throw EntryError(message: "token \(token.debugDescription) has id \(id); ids must lie in 0...\(Self.maximumID)")
            }
            if let first = ids.updateValue(id, forKey: ExactString(token)) {
                throw EntryError(message: "token \(token.debugDescription) is listed twice (ids \(first) and \(id))")
            }
        }
    }

    /// The model's vocabulary as read byte-exactly by ``RawModelScanner`` (passed in `userInfo`), else
    /// decoded as a dictionary (where `JSONDecoder` has already merged repeated keys).
    init(from decoder: any Decoder) throws {
        do {
            if let entries = RawModel.of(decoder, key: "vocab")?.vocabulary {
                try self.init(entries: entries)
            } else {
                try self.init(try [String: Int](from: decoder))
            }
        } catch let error as EntryError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    /// The id of `token`.
    @inline(__always) subscript(token: String) -> Int? {
        get { ids[ExactString(token)] }
        set { ids[ExactString(token)] = newValue }
    }

    var count: Int { ids.count }

    /// The entries as (token, id) pairs.
    var entries: some Sequence<(token: String, id: Int)> { ids.lazy.map { (token: $0.key.value, id: $0.value) } }
}
