/// One metadata value: a yes/no answer, a number or a category. A missing value is an absent key.
public enum MetadataValue: Sendable, Hashable, Codable {
    case bool(Bool)
    case number(Double)
    case category(String)
}

/// A sample's metadata by field name (the CSV column name). Fields that are missing are absent.
public typealias MetadataRecord = [String: MetadataValue]
