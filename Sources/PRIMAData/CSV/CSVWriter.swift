import Foundation

/// Writes CSV per RFC 4180: fields that hold a comma, quote or line break are quoted, quotes doubled;
/// records end with LF. Files are written atomically (temporary file, then rename).
public enum CSVWriter {
    /// The CSV text of a header and rows.
    public static func text(header: [String], rows: [[String]]) -> String {
        var out = line(header)
        for row in rows {
            precondition(row.count == header.count, "row of \(row.count) cells for \(header.count) columns")
            out += line(row)
        }
        return out
    }

    /// Writes `header` and `rows` to `url`, atomically.
    /// - Throws: ``DataError`` `.io` naming the file.
    public static func write(header: [String], rows: [[String]], to url: URL) throws {
        do {
            try text(header: header, rows: rows).write(to: url, atomically: true, encoding: .utf8)
        } catch {
            throw DataError(.io, file: url.path, "cannot write the file: \(error.localizedDescription)")
        }
    }

    private static func line(_ cells: [String]) -> String {
        cells.map(quoted).joined(separator: ",") + "\n"
    }

    private static func quoted(_ cell: String) -> String {
        guard cell.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
