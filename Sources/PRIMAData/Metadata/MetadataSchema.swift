import Foundation
import PRIMATensor

/// Which metadata fields a dataset has, their types, how each is phrased as text and how it enters the
/// soft-target vector. Stored as JSON next to a dataset (see ``load(from:)``) or built in code (``PADUFES/schema``).
///
/// ```json
/// {"label": {"field": "diagnosis", "classes": ["bacterial", "fungal"]},
///  "excludedFromText": ["culture_result"],
///  "fields": [
///    {"name": "age", "kind": "number", "bins": [30, 45, 60, 75], "text": {"template": "Age {value} years."}},
///    {"name": "gender", "kind": "category", "values": ["FEMALE", "MALE"], "text": {"template": "Sex: {value}."}},
///    {"name": "contact_lens", "kind": "boolean", "text": {"whenTrue": "Wears contact lenses.", "whenFalse": "No contact lenses."}}]}
/// ```
public struct MetadataSchema: Codable, Sendable, Equatable {
    /// The label column and its classes; class i is `classes[i]`.
    public struct Label: Codable, Sendable, Equatable {
        /// The label column.
        public var field: String
        /// The class names; the class index is the position.
        public var classes: [String]
        /// A label column and its classes.
        public init(field: String, classes: [String]) { self.field = field; self.classes = classes }
    }

    /// The classification target. It is never rendered as text.
    public var label: Label
    /// The metadata fields, in the order of the text and of the vector layout.
    public var fields: [MetadataField]
    /// Further fields that leak the label (PAD-UFES-20's `biopsed`): never rendered as text nor encoded.
    public var excludedFromText: [String]
    /// Cells that mean "missing" (default `""` and `UNK`), compared after trimming spaces.
    public var missingTokens: [String]

    /// A schema; call ``validate(fileName:)`` before use when it comes from outside.
    public init(label: Label, fields: [MetadataField], excludedFromText: [String] = [], missingTokens: [String] = ["", "UNK"]) {
        self.label = label
        self.fields = fields
        self.excludedFromText = excludedFromText
        self.missingTokens = missingTokens
    }

    private enum CodingKeys: String, CodingKey { case label, fields, excludedFromText, missingTokens }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        label = try c.decode(Label.self, forKey: .label)
        fields = try c.decode([MetadataField].self, forKey: .fields)
        excludedFromText = try c.decodeIfPresent([String].self, forKey: .excludedFromText) ?? []
        missingTokens = try c.decodeIfPresent([String].self, forKey: .missingTokens) ?? ["", "UNK"]
    }

    /// The field named `name`, if any.
    public func field(_ name: String) -> MetadataField? { fields.first { $0.name == name } }

    /// Reads a schema from JSON and checks it (``validate(fileName:)``).
    /// - Throws: ``DataError`` naming the file and the field at fault.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(.io, file: url.path, "cannot read the schema: \(error.localizedDescription)")
        }
        do { self = try JSONDecoder().decode(MetadataSchema.self, from: data) } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw DataError(.badValue, file: url.lastPathComponent, "not a valid schema: \(JSONSyntaxLocation.describeInvalidJSON(data))")
        } catch {
            throw DataError(.badValue, file: url.lastPathComponent, "not a valid schema: \(error)")
        }
        try validate(fileName: url.lastPathComponent)
    }

    /// Reads a schema from JSON and checks it.
    @available(*, deprecated, renamed: "init(contentsOf:)")
    public static func load(from url: URL) throws -> MetadataSchema { try MetadataSchema(contentsOf: url) }

    /// Checks the schema: unique field names, categories with values, ascending bins, at least two classes,
    /// and neither the label nor an excluded field among the metadata fields.
    public func validate(fileName: String? = nil) throws {
        func fail(_ field: String?, _ message: String) -> DataError { DataError(.badValue, file: fileName, column: field, message) }
        guard label.classes.count >= 2, Set(label.classes).count == label.classes.count else {
            throw fail(label.field, "the label needs at least two distinct classes, got \(label.classes)")
        }
        var seen = Set<String>()
        for f in fields {
            guard seen.insert(f.name).inserted else { throw fail(f.name, "field listed twice") }
            guard f.name != label.field, !excludedFromText.contains(f.name) else {
                throw fail(f.name, "the label and the fields that leak it may not be metadata fields")
            }
            switch f.kind {
            case .category:
                guard let values = f.values, !values.isEmpty, Set(values).count == values.count else {
                    throw fail(f.name, "a category field needs a non-empty list of distinct values")
                }
            case .number:
                if let bins = f.bins, bins.isEmpty || zip(bins, bins.dropFirst()).contains(where: { $0 >= $1 }) {
                    throw fail(f.name, "bin edges must be non-empty and strictly ascending, got \(bins)")
                }
            case .boolean: break
            }
        }
    }

    /// Parses one cell as `field`'s type: missing tokens → `nil`; booleans `True`/`False` (any case);
    /// numbers as decimals; categories trimmed, upper-cased and mapped through ``MetadataField/aliases``.
    /// - Returns: the value, or a message saying what was expected (the caller adds file, row and column).
    public func parse(_ cell: String, as field: MetadataField) -> Result<MetadataValue?, ParseFailure> {
        let trimmed = cell.trimmingCharacters(in: .whitespaces)
        if missingTokens.contains(trimmed) { return .success(nil) }
        switch field.kind {
        case .boolean:
            switch trimmed.lowercased() {
            case "true": return .success(.bool(true))
            case "false": return .success(.bool(false))
            default: return .failure(ParseFailure("expected True or False, found '\(cell)'"))
            }
        case .number:
            guard let value = Double(trimmed), value.isFinite else {
                return .failure(ParseFailure("expected a number, found '\(cell)'"))
            }
            return .success(.number(value))
        case .category:
            let upper = trimmed.uppercased()
            let value = field.aliases?[upper] ?? upper
            if let values = field.values, !values.contains(value), field.allowsOther != true {
                return .failure(ParseFailure("expected one of \(values.joined(separator: ", ")), found '\(cell)'"))
            }
            return .success(.category(value))
        }
    }

    /// Why a cell did not parse.
    public struct ParseFailure: Error, Sendable {
        /// What was expected and what was found.
        public let message: String
        /// A failure with `message`.
        public init(_ message: String) { self.message = message }
    }
}

/// One metadata field of a ``MetadataSchema``.
public struct MetadataField: Codable, Sendable, Equatable {
    /// The field's type.
    public enum Kind: String, Codable, Sendable { case boolean, number, category }

    /// The column name.
    public var name: String
    /// The type of the field's values.
    public var kind: Kind
    /// Category values, in vector order (required for categories).
    public var values: [String]?
    /// Spellings folded into a value before checking the domain, e.g. `["BRASIL": "BRAZIL"]` (upper case).
    public var aliases: [String: String]?
    /// Whether a category value outside ``values`` is accepted (it then fills the vector's `OTHER` slot)
    /// rather than rejected.
    public var allowsOther: Bool?
    /// Bin edges of a number, ascending: edges e₀ < … < eₘ₋₁ give m + 1 bins (−∞, e₀), [e₀, e₁), …, [eₘ₋₁, ∞).
    /// A number without bins is rendered as text but not encoded in the vector.
    public var bins: [Double]?
    /// How the field is phrased; `nil` leaves it out of the text.
    public var text: MetadataPhrase?
    /// Whether the field enters the soft-target vector (default true).
    public var inVector: Bool?

    /// A field; see the properties for what each option means.
    public init(name: String, kind: Kind, values: [String]? = nil, aliases: [String: String]? = nil, allowsOther: Bool? = nil,
                bins: [Double]? = nil, text: MetadataPhrase? = nil, inVector: Bool? = nil) {
        self.name = name
        self.kind = kind
        self.values = values
        self.aliases = aliases
        self.allowsOther = allowsOther
        self.bins = bins
        self.text = text
        self.inVector = inVector
    }
}

/// How a field is written in the clinical description.
///
/// Booleans use ``whenTrue`` / ``whenFalse`` (either may be absent to say nothing); numbers and categories
/// fill `{value}` in ``template``. A category's value is written as ``valueNames``[value] when given, else
/// lower-cased with underscores as spaces. Numbers are written without a decimal point when whole, else
/// with at most two decimals.
public struct MetadataPhrase: Codable, Sendable, Equatable {
    /// Numbers and categories: the phrase, with `{value}` replaced.
    public var template: String?
    /// Booleans: the phrase for true.
    public var whenTrue: String?
    /// Booleans: the phrase for false.
    public var whenFalse: String?
    /// Categories: how each value is written.
    public var valueNames: [String: String]?

    /// A phrase; fill the parts that fit the field's type.
    public init(template: String? = nil, whenTrue: String? = nil, whenFalse: String? = nil, valueNames: [String: String]? = nil) {
        self.template = template
        self.whenTrue = whenTrue
        self.whenFalse = whenFalse
        self.valueNames = valueNames
    }
}
