/// An error in data that came from outside the library: a CSV file, a schema, an image, a user option.
///
/// The message always says where the problem is — the file, the line and record, the column — and what
/// was expected, for example
/// `metadata.csv, line 4 (record 3), column 'smoke': expected True or False, found 'yes'`.
public struct DataError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What went wrong, for code that wants to react to one kind only.
    public enum Kind: String, Sendable {
        /// The file breaks the CSV grammar (unterminated quote, text after a closing quote).
        case malformedCSV
        /// A required column is not in the header, or a row has the wrong number of cells.
        case missingColumn
        /// A cell that does not parse as its field's type or domain.
        case badValue
        /// An identifier that must be unique occurs twice.
        case duplicate
        /// A file the data refers to does not exist.
        case missingFile
        /// A file that cannot be read or written.
        case io
        /// An option or argument that is not usable (too few samples for the folds, unknown field).
        case invalidArgument
    }

    /// The kind of problem.
    public let kind: Kind
    /// The file the problem is in, as given by the caller.
    public let file: String?
    /// The 1-based physical line the record starts on (the header is line 1).
    public let line: Int?
    /// The 1-based data record (the first row after the header is record 1).
    public let record: Int?
    /// The column's header name.
    public let column: String?
    /// What was expected and what was found.
    public let message: String

    /// An error of `kind` at the given place; `message` says what was expected and found.
    public init(_ kind: Kind, file: String? = nil, line: Int? = nil, record: Int? = nil, column: String? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.record = record
        self.column = column
        self.message = message
    }

    public var description: String {
        var place: [String] = []
        if let file { place.append(file) }
        switch (line, record) {
        case let (l?, r?): place.append("line \(l) (record \(r))")
        case let (l?, nil): place.append("line \(l)")
        case let (nil, r?): place.append("record \(r)")
        default: break
        }
        if let column { place.append("column '\(column)'") }
        return place.isEmpty ? message : place.joined(separator: ", ") + ": " + message
    }
}
