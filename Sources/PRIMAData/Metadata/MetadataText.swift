import Foundation

/// Renders metadata as a short clinical description, deterministically.
///
/// The fields that have a ``MetadataPhrase`` are written in schema order, each as its phrase, joined by
/// single spaces. Missing fields are left out. The label and the schema's ``MetadataSchema/excludedFromText``
/// fields (for PAD-UFES-20: `diagnostic` and `biopsed`) are never written, even if a record holds them —
/// the schema refuses to list them as fields in the first place.
///
/// With ``PADUFES/schema``: `"Age 55. Female. Fitzpatrick skin type 3. Lesion on the forearm. ..."`.
public struct MetadataTextRenderer: Sendable {
    /// The fields and their phrasing.
    public let schema: MetadataSchema

    /// A renderer for `schema`.
    public init(schema: MetadataSchema) {
        precondition(!schema.fields.contains { $0.name == schema.label.field || schema.excludedFromText.contains($0.name) },
                     "the schema lists the label or a leaking field as metadata; schemas from files are checked by validate()")
        self.schema = schema
    }

    /// The description of `record`.
    public func render(_ record: MetadataRecord) -> String {
        var phrases: [String] = []
        for field in schema.fields {
            guard let phrase = field.text, let value = record[field.name] else { continue }
            if let text = Self.phrase(phrase, value) { phrases.append(text) }
        }
        return phrases.joined(separator: " ")
    }

    static func phrase(_ phrase: MetadataPhrase, _ value: MetadataValue) -> String? {
        switch value {
        case .bool(let b): return b ? phrase.whenTrue : phrase.whenFalse
        case .number(let x): return phrase.template?.replacingOccurrences(of: "{value}", with: formatNumber(x))
        case .category(let c):
            let name = phrase.valueNames?[c] ?? c.lowercased().replacingOccurrences(of: "_", with: " ")
            return phrase.template?.replacingOccurrences(of: "{value}", with: name)
        }
    }

    /// `55` for whole numbers, else at most two decimals without trailing zeros (`6.5`, `0.25`).
    public static func formatNumber(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        var s = String(format: "%.2f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}
