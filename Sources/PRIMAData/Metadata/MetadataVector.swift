import PRIMATensor

/// Encodes metadata and label as the vector y of the soft-target loss (Documentation/Method.md, the soft semantic loss).
///
/// Layout, fixed by the schema (see ``slotNames``): the schema's fields in order, each taking
/// - boolean: three slots `[false, true, missing]`;
/// - category: one slot per value (schema order), plus an `OTHER` slot when the field ``MetadataField/allowsOther``;
///   a missing category is all zeros;
/// - number with bins: one slot per bin (m edges → m + 1 bins); a missing number is all zeros;
///   numbers without bins and fields with `inVector == false` take no slots;
/// then the label one-hot (one slot per class) multiplied by ``labelWeight`` (3 in the paper: the
/// disease-related dimensions weighted ×3). The ``Variant/labelsOnly`` variant keeps only the weighted
/// label one-hot (the L_sup_con ablation).
public struct MetadataVectorEncoder: Sendable {
    /// Which parts of y are encoded.
    public enum Variant: String, Sendable, Codable {
        /// Metadata fields and the weighted label.
        case metadataAndLabel
        /// The weighted label one-hot only.
        case labelsOnly
    }

    /// The fields and classes encoded.
    public let schema: MetadataSchema
    /// Metadata and label, or the label only.
    public let variant: Variant
    /// The factor on the label one-hot.
    public let labelWeight: Float
    /// A readable name per slot, e.g. `smoke=true`, `age∈[30,45)`, `region=FACE`, `diagnostic=BCC`.
    public let slotNames: [String]

    /// An encoder with the label one-hot weighted by `labelWeight` (3 in the paper).
    public init(schema: MetadataSchema, variant: Variant = .metadataAndLabel, labelWeight: Float = 3) {
        precondition(!schema.fields.contains { $0.name == schema.label.field || schema.excludedFromText.contains($0.name) },
                     "the schema lists the label or a leaking field as metadata; schemas from files are checked by validate()")
        self.schema = schema
        self.variant = variant
        self.labelWeight = labelWeight
        var names: [String] = []
        if variant == .metadataAndLabel {
            for field in schema.fields where field.inVector != false {
                names += Self.slotNames(of: field)
            }
        }
        names += schema.label.classes.map { "\(schema.label.field)=\($0)" }
        slotNames = names
    }

    /// The vector's length.
    public var dimension: Int { slotNames.count }

    /// y for one sample with class index `label`.
    public func encode(_ record: MetadataRecord, label: Int) -> [Float] {
        precondition((0..<schema.label.classes.count).contains(label), "label \(label) outside the schema's classes")
        var y: [Float] = []
        y.reserveCapacity(dimension)
        if variant == .metadataAndLabel {
            for field in schema.fields where field.inVector != false {
                appendSlots(of: field, value: record[field.name], to: &y)
            }
        }
        for c in schema.label.classes.indices { y.append(c == label ? labelWeight : 0) }
        return y
    }

    /// Y as an [N, D] tensor, one row per sample.
    public func encodeBatch(_ records: [MetadataRecord], labels: [Int]) -> Tensor {
        precondition(records.count == labels.count, "\(records.count) records for \(labels.count) labels")
        var scalars: [Float] = []
        scalars.reserveCapacity(records.count * dimension)
        for (r, l) in zip(records, labels) { scalars += encode(r, label: l) }
        return Tensor(shape: [records.count, dimension], scalars: scalars)
    }

    private func appendSlots(of field: MetadataField, value: MetadataValue?, to y: inout [Float]) {
        switch field.kind {
        case .boolean:
            let b: Bool?
            if case .bool(let v)? = value { b = v } else { b = nil }
            y += [b == false ? 1 : 0, b == true ? 1 : 0, b == nil ? 1 : 0]
        case .category:
            let values = field.values ?? []
            var slots = [Float](repeating: 0, count: values.count + (field.allowsOther == true ? 1 : 0))
            if case .category(let c)? = value {
                if let i = values.firstIndex(of: c) { slots[i] = 1 }
                else {
                    precondition(field.allowsOther == true, "value '\(c)' outside the domain of \(field.name)")
                    slots[values.count] = 1
                }
            }
            y += slots
        case .number:
            guard let edges = field.bins else { return }
            var slots = [Float](repeating: 0, count: edges.count + 1)
            if case .number(let x)? = value { slots[edges.lazy.filter { $0 <= x }.count] = 1 }
            y += slots
        }
    }

    private static func slotNames(of field: MetadataField) -> [String] {
        switch field.kind {
        case .boolean: return ["\(field.name)=false", "\(field.name)=true", "\(field.name)=missing"]
        case .category:
            return (field.values ?? []).map { "\(field.name)=\($0)" } + (field.allowsOther == true ? ["\(field.name)=OTHER"] : [])
        case .number:
            guard let edges = field.bins else { return [] }
            let f = MetadataTextRenderer.formatNumber
            var names = ["\(field.name)<\(f(edges[0]))"]
            for (a, b) in zip(edges, edges.dropFirst()) { names.append("\(field.name)∈[\(f(a)),\(f(b)))") }
            names.append("\(field.name)≥\(f(edges[edges.count - 1]))")
            return names
        }
    }
}
