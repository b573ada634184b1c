/// A post-processor of a `tokenizer.json` (`"post_processor"`): adds special tokens around a single
/// sequence and sets its type ids. (Pairs of sequences are not supported.)
indirect enum PostProcessor: Decodable, Sendable {
    /// A template such as `[CLS] $A [SEP]`: the pieces in order, each special token with its ids and tokens.
    case template([TemplatePiece])
    /// Changes offsets only, which this library does not track: ids are left as they are.
    case byteLevel
    case sequence([PostProcessor])

    /// One piece of a single-sequence template.
    enum TemplatePiece: Sendable {
        case sequence(typeID: Int)
        case special(ids: [Int], tokens: [String], typeID: Int)
    }

    static let supported = ["TemplateProcessing", "BertProcessing", "RobertaProcessing", "ByteLevel", "Sequence"]

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let type: String = try c.need("type")
        switch type {
        case "TemplateProcessing":
            let single: [TemplatePieceConfig] = try c.need("single")
            let specials: [String: SpecialTokenConfig] = try c.get("special_tokens", default: [:])
            var pieces: [TemplatePiece] = []
            for piece in single {
                switch piece {
                case .sequence(let typeID): pieces.append(.sequence(typeID: typeID))
                case .special(let name, let typeID):
                    guard let special = specials[name] else {
                        throw c.invalid("single", "template special token \(name.debugDescription) is not listed in special_tokens")
                    }
                    guard special.ids.count == special.tokens.count else {
                        throw c.invalid("special_tokens", "special token \(name.debugDescription) has \(special.ids.count) ids but \(special.tokens.count) tokens")
                    }
                    pieces.append(.special(ids: special.ids, tokens: special.tokens, typeID: typeID))
                }
            }
            self = .template(pieces)
        case "BertProcessing", "RobertaProcessing":
            let cls: TokenAndID = try c.need("cls")
            let sep: TokenAndID = try c.need("sep")
            self = .template([.special(ids: [cls.id], tokens: [cls.token], typeID: 0), .sequence(typeID: 0),
                              .special(ids: [sep.id], tokens: [sep.token], typeID: 0)])
        case "ByteLevel": self = .byteLevel
        case "Sequence": self = .sequence(try c.need("processors"))
        default: throw c.unsupported("post-processor type", type, supported: Self.supported)
        }
    }

    /// The number of special tokens added to a single sequence.
    var addedTokenCount: Int {
        switch self {
        case .template(let pieces):
            return pieces.reduce(0) { if case .special(let ids, _, _) = $1 { return $0 + ids.count } else { return $0 } }
        case .byteLevel: return 0
        case .sequence(let steps): return steps.reduce(0) { $0 + $1.addedTokenCount }
        }
    }

    /// Adds the special tokens (if asked) and sets the type ids.
    func process(_ encoding: inout Encoding, addSpecialTokens: Bool) {
        switch self {
        case .template(let pieces):
            var out = Encoding()
            for piece in pieces {
                switch piece {
                case .sequence(let typeID):
                    out.append(ids: encoding.ids, tokens: encoding.tokens, typeID: typeID, special: false)
                case .special(let ids, let tokens, let typeID):
                    if addSpecialTokens { out.append(ids: ids, tokens: tokens, typeID: typeID, special: true) }
                }
            }
            encoding = out
        case .byteLevel: break
        case .sequence(let steps): for step in steps { step.process(&encoding, addSpecialTokens: addSpecialTokens) }
        }
    }
}

/// `{"SpecialToken": {"id": "[CLS]", "type_id": 0}}` or `{"Sequence": {"id": "A", "type_id": 0}}`.
private enum TemplatePieceConfig: Decodable {
    case sequence(typeID: Int)
    case special(name: String, typeID: Int)

    private struct Body: Decodable {
        let id: String
        let type_id: Int
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        if let body: Body = try c.optional("SpecialToken") {
            self = .special(name: body.id, typeID: body.type_id)
        } else if let body: Body = try c.optional("Sequence") {
            guard body.id == "A" else { throw c.invalid("Sequence", "a single-sequence template can only hold sequence A") }
            self = .sequence(typeID: body.type_id)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                   debugDescription: "expected a SpecialToken or Sequence template piece"))
        }
    }
}

private struct SpecialTokenConfig: Decodable {
    let ids: [Int]
    let tokens: [String]
}

/// `["[CLS]", 101]`.
private struct TokenAndID: Decodable {
    let token: String
    let id: Int

    init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        token = try c.decode(String.self)
        id = try c.decode(Int.self)
    }
}
