import Foundation

/// A CSV file parsed per RFC 4180: a header row and data records of the same width.
///
/// Fields are separated by commas and records by LF or CRLF; a field in double quotes may hold commas,
/// line breaks and doubled quotes (`""` for `"`). A leading UTF-8 byte-order mark is dropped, and blank
/// lines are skipped (they carry no record). Every record remembers the line it starts on, so errors
/// can point at it. A hand-written reader (about a hundred lines) instead of a dependency: the files are
/// small and the errors must carry the line, record and column, which the mirrored CSV packages do not report.
public struct CSVTable: Sendable {
    /// One data record: its cells and where it starts in the file.
    public struct Row: Sendable {
        /// The cells, one per header column.
        public let cells: [String]
        /// The 1-based line the record starts on (the header is line 1 when the file has no blank lines before it).
        public let line: Int
        /// The 1-based record number (the first record after the header is 1).
        public let record: Int
    }

    /// The name the errors use for this file (usually its last path component).
    public let fileName: String
    /// The header's column names, as written.
    public let header: [String]
    /// The data records.
    public let rows: [Row]

    /// Parses `text`. `fileName` is only used in error messages.
    /// - Throws: ``DataError`` with kind `.malformedCSV` (unterminated quote, text after a closing quote,
    ///   empty file), `.duplicate` (a column named twice in the header) or `.missingColumn` (a record whose
    ///   width differs from the header's).
    public init(text: String, fileName: String) throws {
        self.fileName = fileName
        var parser = Parser(bytes: Array(text.utf8), fileName: fileName)
        let records = try parser.parseAll()
        guard let first = records.first else { throw DataError(.malformedCSV, file: fileName, "the file is empty; expected a header row") }
        header = first.cells
        var seen = Set<String>()
        for name in header where !name.isEmpty && !seen.insert(name).inserted {
            throw DataError(.duplicate, file: fileName, line: first.line, column: name, "the header names this column twice")
        }
        var rows: [Row] = []
        rows.reserveCapacity(records.count - 1)
        for (index, record) in records.dropFirst().enumerated() {
            guard record.cells.count == header.count else {
                throw DataError(.missingColumn, file: fileName, line: record.line, record: index + 1,
                                "\(record.cells.count) cells but the header has \(header.count) columns")
            }
            rows.append(Row(cells: record.cells, line: record.line, record: index + 1))
        }
        self.rows = rows
    }

    /// Reads and parses the file at `url`; errors name it by its last path component.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(.io, file: url.path, "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(data: data, fileName: url.lastPathComponent)
    }

    /// Parses CSV bytes, which must be UTF-8. `fileName` is only used in error messages.
    /// - Throws: ``DataError`` `.malformedCSV` naming the line and byte column of the first byte that is not
    ///   UTF-8 (an export in Latin-1 or UTF-16, say), or any error of ``init(text:fileName:)``.
    public init(data: Data, fileName: String) throws {
        let bytes = [UInt8](data)
        if let bad = Self.firstInvalidUTF8(bytes) {
            let lineStart = bytes[..<bad].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            let line = 1 + bytes[..<bad].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            throw DataError(.malformedCSV, file: fileName, line: line,
                            String(format: "byte 0x%02X at byte column %d (offset %d) is not UTF-8; save the file as UTF-8",
                                   bytes[bad], bad - lineStart + 1, bad))
        }
        try self.init(text: String(decoding: bytes, as: UTF8.self), fileName: fileName)
    }

    /// The offset of the first byte of the first ill-formed UTF-8 sequence, or nil if all of `bytes` is UTF-8.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// The index of the column named `name`.
    /// - Throws: ``DataError`` `.missingColumn` naming the file and the column.
    public func columnIndex(_ name: String) throws -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw DataError(.missingColumn, file: fileName, column: name, "required column is missing from the header (\(header.joined(separator: ",")))")
        }
        return index
    }

    /// A ``DataError`` about the cell of `row` in `column`.
    public func error(_ kind: DataError.Kind, row: Row, column: String?, _ message: String) -> DataError {
        DataError(kind, file: fileName, line: row.line, record: row.record, column: column, message)
    }
}

/// The RFC 4180 state machine over UTF-8 bytes.
private struct Parser {
    let bytes: [UInt8]
    let fileName: String
    var position = 0
    var line = 1

    static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

    init(bytes: [UInt8], fileName: String) {
        self.bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        self.fileName = fileName
    }

    mutating func parseAll() throws -> [(cells: [String], line: Int)] {
        var records: [(cells: [String], line: Int)] = []
        while position < bytes.count {
            let start = line
            let cells = try parseRecord()
            if cells.count == 1 && cells[0].isEmpty { continue }  // a blank line
            records.append((cells, start))
        }
        return records
    }

    /// Parses one record and consumes its line break.
    mutating func parseRecord() throws -> [String] {
        var cells: [String] = []
        while true {
            let cell = try parseField()
            cells.append(cell)
            guard position < bytes.count else { return cells }
            let byte = bytes[position]
            position += 1
            if byte == Self.comma { continue }
            // A line break: LF, or CR optionally followed by LF.
            if byte == Self.cr && position < bytes.count && bytes[position] == Self.lf { position += 1 }
            line += 1
            return cells
        }
    }

    /// Parses one field, stopping before the comma or line break that ends it.
    mutating func parseField() throws -> String {
        guard position < bytes.count, bytes[position] == Self.quote else {
            let start = position
            while position < bytes.count, bytes[position] != Self.comma, bytes[position] != Self.lf, bytes[position] != Self.cr {
                if bytes[position] == Self.quote {
                    throw DataError(.malformedCSV, file: fileName, line: line, "a quote inside an unquoted field; quote the whole field and double the quote")
                }
                position += 1
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
        let openingLine = line
        position += 1
        var value: [UInt8] = []
        while true {
            guard position < bytes.count else {
                throw DataError(.malformedCSV, file: fileName, line: openingLine, "a quoted field is never closed")
            }
            let byte = bytes[position]
            position += 1
            if byte == Self.quote {
                if position < bytes.count && bytes[position] == Self.quote {
                    value.append(Self.quote)
                    position += 1
                    continue
                }
                guard position == bytes.count || [Self.comma, Self.lf, Self.cr].contains(bytes[position]) else {
                    throw DataError(.malformedCSV, file: fileName, line: line, "text after the closing quote of a field")
                }
                return String(decoding: value, as: UTF8.self)
            }
            if byte == Self.lf { line += 1 }
            value.append(byte)
        }
    }
}
