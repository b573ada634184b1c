import Foundation
import Testing
@testable import PRIMAData

@Suite struct CSVTests {
    @Test func parsesQuotedFieldsLineBreaksAndCRLF() throws {
        let text = "\u{FEFF}a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n\n2,\"two\nlines\",\r\n3,,last"
        let table = try CSVTable(text: text, fileName: "t.csv")
        #expect(table.header == ["a", "b", "c"])
        #expect(table.rows.map(\.cells) == [["1", "x, y", "say \"hi\""], ["2", "two\nlines", ""], ["3", "", "last"]])
        #expect(table.rows.map(\.line) == [2, 4, 6])
        #expect(table.rows.map(\.record) == [1, 2, 3])
    }

    @Test func writerRoundTrips() throws {
        let rows = [["1", "a,b", "q\"uote"], ["2", "multi\nline", ""], ["3", "crlf\r\nx", " spaced "]]
        let text = CSVWriter.text(header: ["id", "x", "y"], rows: rows)
        let table = try CSVTable(text: text, fileName: "w.csv")
        #expect(table.rows.map(\.cells) == rows)
    }

    @Test func unterminatedQuoteNamesFileAndLine() {
        let error = #expect(throws: DataError.self) { try CSVTable(text: "a,b\n1,2\n3,\"open\n", fileName: "bad.csv") }
        #expect(error?.kind == .malformedCSV)
        #expect(error?.description.contains("bad.csv, line 3") == true)
    }

    @Test func textAfterClosingQuoteIsAnError() {
        let error = #expect(throws: DataError.self) { try CSVTable(text: "a,b\n\"x\"y,2\n", fileName: "bad.csv") }
        #expect(error?.kind == .malformedCSV)
        #expect(error?.line == 2)
    }

    @Test func duplicateHeaderNameIsAnError() {
        let error = #expect(throws: DataError.self) { try CSVTable(text: "a,b,a\n1,2,3\n", fileName: "h.csv") }
        #expect(error?.kind == .duplicate && error?.column == "a")
    }

    @Test func rowOfWrongWidthNamesLineAndRecord() {
        let error = #expect(throws: DataError.self) { try CSVTable(text: "a,b\n1,2\n3\n", fileName: "w.csv") }
        #expect(error?.kind == .missingColumn)
        #expect(error?.description.hasPrefix("w.csv, line 3 (record 2)") == true)
    }
}
