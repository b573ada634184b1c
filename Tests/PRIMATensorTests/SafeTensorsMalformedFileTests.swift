import Foundation
import Testing
import PRIMATensor

/// Each kind of broken safetensors file, built byte by byte, must throw a ``SafeTensorsError`` that names
/// the file, the tensor key when one is at fault, and the problem — never crash or read out of bounds.
@Suite struct SafeTensorsMalformedFileTests {
    /// Opens `bytes` as a file and returns the error, checking its kind, key and that it names the file.
    @discardableResult
    func rejection(_ bytes: [UInt8], _ kind: SafeTensorsError.Kind, key: String? = nil,
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> SafeTensorsError? {
        let directory = try TemporaryDirectory()
        let url = directory.file("bad.safetensors")
        try Data(bytes).write(to: url)
        let error = #expect(throws: SafeTensorsError.self, sourceLocation: sourceLocation) { try SafeTensorsFile(contentsOf: url) }
        #expect(error?.kind == kind, "\(error.map(String.init(describing:)) ?? "")", sourceLocation: sourceLocation)
        #expect(error?.key == key, "\(error.map(String.init(describing:)) ?? "")", sourceLocation: sourceLocation)
        #expect(error?.description.contains(url.path) == true, sourceLocation: sourceLocation)
        if let key { #expect(error?.description.contains("\"\(key)\"") == true, sourceLocation: sourceLocation) }
        return error
    }

    let fourFloats = [UInt8](repeating: 0, count: 16)

    // MARK: Length prefix and header bounds

    @Test func emptyFile() throws { try rejection([], .truncated) }

    @Test func fileShorterThanTheLengthPrefix() throws { try rejection([8, 0, 0, 0, 0], .truncated) }

    @Test func headerLengthPastTheEndOfTheFile() throws {
        try rejection(safetensorsBytes(header: "{}", declaredLength: 100), .truncated)
    }

    @Test func absurdHeaderLength() throws {
        try rejection(safetensorsBytes(header: "{}", declaredLength: 1 << 62), .headerTooLarge)
        try rejection(safetensorsBytes(header: "{}", declaredLength: .max), .headerTooLarge)
        try rejection(safetensorsBytes(header: "{}", declaredLength: 100_000_001), .headerTooLarge)
    }

    // MARK: Header text

    @Test func headerNotUTF8() throws {
        let bytes = withUnsafeBytes(of: UInt64(4).littleEndian, Array.init) + [0x7B, 0xFF, 0xFE, 0x7D]
        try rejection(bytes, .invalidHeader)
    }

    @Test func headerNotJSON() throws {
        for header in ["{not json}", "{\"a\":", "", "{\"a\":{}} x", "{\"a\":tru}", "{\"a\":\"\u{1}\"}", "{\"a\":\"\\ud800\"}", "{\"a\":01}"] {
            try rejection(safetensorsBytes(header: header), .invalidHeader)
        }
    }

    @Test func headerNotAnObject() throws {
        for header in ["[1, 2]", "\"text\"", "3", "null"] { try rejection(safetensorsBytes(header: header), .invalidHeader) }
    }

    @Test func deeplyNestedHeaderIsRejectedWithoutExhaustingTheStack() throws {
        let header = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        try rejection(safetensorsBytes(header: header), .invalidHeader)
    }

    // MARK: Entries

    @Test func entryNotAnObject() throws {
        try rejection(safetensorsBytes(header: "{\"w\":[1,2]}"), .invalidEntry, key: "w")
    }

    @Test func entryMissingAField() throws {
        try rejection(safetensorsBytes(header: "{\"w\":{\"dtype\":\"F32\",\"shape\":[4]}}", data: fourFloats), .invalidEntry, key: "w")
        try rejection(safetensorsBytes(header: "{\"w\":{\"shape\":[4],\"data_offsets\":[0,16]}}", data: fourFloats), .invalidEntry, key: "w")
    }

    @Test func entryFieldsOfTheWrongType() throws {
        try rejection(safetensorsBytes(header: "{\"w\":{\"dtype\":7,\"shape\":[4],\"data_offsets\":[0,16]}}", data: fourFloats), .invalidEntry, key: "w")
        try rejection(safetensorsBytes(header: "{\"w\":{\"dtype\":\"F32\",\"shape\":\"4\",\"data_offsets\":[0,16]}}", data: fourFloats), .invalidEntry, key: "w")
        try rejection(safetensorsBytes(header: "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":\"0-16\"}}", data: fourFloats), .invalidOffsets, key: "w")
    }

    @Test func unknownDType() throws {
        for dtype in ["F8_E4M3", "float32", "f32", ""] {
            try rejection(safetensorsBytes(header: "{" + headerEntry("w", dtype, [4], 0, 16) + "}", data: fourFloats), .unsupportedDType, key: "w")
        }
    }

    @Test func invalidShapes() throws {
        for shape in ["[-4]", "[4.0]", "[2e1]", "[true]", "[\"4\"]", "[null]", "[99999999999999999999999]"] {
            let header = "{\"w\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[0,16]}}"
            try rejection(safetensorsBytes(header: header, data: fourFloats), .invalidShape, key: "w")
        }
        // The element count overflows Int.
        try rejection(safetensorsBytes(header: "{" + headerEntry("w", "F32", [1 << 40, 1 << 40], 0, 16) + "}", data: fourFloats), .invalidShape, key: "w")
    }

    @Test func dataOffsetsOutsideTheDataBuffer() throws {
        try rejection(safetensorsBytes(header: "{" + headerEntry("w", "F32", [4], 4, 20) + "}", data: fourFloats), .invalidOffsets, key: "w")
        try rejection(safetensorsBytes(header: "{" + headerEntry("w", "F32", [4], 1 << 62, (1 << 62) + 16) + "}", data: fourFloats), .invalidOffsets, key: "w")
    }

    @Test func dataOffsetsBeginAfterEnd() throws {
        try rejection(safetensorsBytes(header: "{" + headerEntry("w", "F32", [0], 16, 0) + "}", data: fourFloats), .invalidOffsets, key: "w")
    }

    @Test func dataOffsetsNotTwoNonNegativeIntegers() throws {
        for offsets in ["[0]", "[0,8,16]", "[-16,0]", "[0,16.0]", "[]"] {
            let header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":\(offsets)}}"
            try rejection(safetensorsBytes(header: header, data: fourFloats), .invalidOffsets, key: "w")
        }
    }

    @Test func byteCountDisagreesWithShapeAndDType() throws {
        try rejection(safetensorsBytes(header: "{" + headerEntry("w", "F32", [3], 0, 16) + "}", data: fourFloats), .sizeMismatch, key: "w")
        try rejection(safetensorsBytes(header: "{" + headerEntry("w", "BF16", [4], 0, 16) + "}", data: fourFloats), .sizeMismatch, key: "w")
        try rejection(safetensorsBytes(header: "{" + headerEntry("w", "F32", [], 0, 0) + "}"), .sizeMismatch, key: "w")
    }

    // MARK: How entries cover the data buffer

    @Test func overlappingEntries() throws {
        let header = "{" + headerEntry("a", "F32", [3], 0, 12) + "," + headerEntry("b", "F32", [2], 8, 16) + "}"
        let error = try rejection(safetensorsBytes(header: header, data: fourFloats), .overlappingEntries, key: "b")
        #expect(error?.message.contains("\"a\"") == true)
        // An empty tensor placed inside another one overlaps it too (the reference library refuses it).
        let inside = "{" + headerEntry("a", "F32", [4], 0, 16) + "," + headerEntry("e", "F32", [0], 4, 4) + "}"
        try rejection(safetensorsBytes(header: inside, data: fourFloats), .overlappingEntries, key: "e")
    }

    @Test func gapBetweenEntries() throws {
        let header = "{" + headerEntry("a", "F32", [1], 0, 4) + "," + headerEntry("b", "F32", [2], 8, 16) + "}"
        try rejection(safetensorsBytes(header: header, data: fourFloats), .uncoveredBytes, key: "b")
    }

    @Test func trailingBytesAfterTheLastEntry() throws {
        try rejection(safetensorsBytes(header: "{" + headerEntry("a", "F32", [3], 0, 12) + "}", data: fourFloats), .uncoveredBytes)
        try rejection(safetensorsBytes(header: "{}", data: [0]), .uncoveredBytes)
    }

    @Test func duplicateKeys() throws {
        let header = "{" + headerEntry("w", "F32", [2], 0, 8) + "," + headerEntry("w", "F32", [2], 8, 16) + "}"
        try rejection(safetensorsBytes(header: header, data: fourFloats), .duplicateKey, key: "w")
        let field = "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,16]}}"
        try rejection(safetensorsBytes(header: field, data: fourFloats), .duplicateKey, key: "w")
        try rejection(safetensorsBytes(header: "{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}"), .duplicateKey)
        try rejection(safetensorsBytes(header: "{\"__metadata__\":{},\"__metadata__\":{}}"), .duplicateKey, key: "__metadata__")
    }

    // MARK: Metadata

    @Test func metadataValuesMustBeStrings() throws {
        for metadata in ["{\"epoch\":3}", "{\"a\":null}", "{\"a\":[\"x\"]}", "{\"a\":{\"b\":\"c\"}}", "{\"a\":true}"] {
            try rejection(safetensorsBytes(header: "{\"__metadata__\":\(metadata)}"), .invalidMetadata)
        }
    }

    @Test func metadataMustBeAnObject() throws {
        for metadata in ["[]", "\"pt\"", "1"] {
            try rejection(safetensorsBytes(header: "{\"__metadata__\":\(metadata)}"), .invalidMetadata)
        }
    }

    // MARK: Not a file

    @Test func missingFileAndDirectoryAreIOErrors() throws {
        let directory = try TemporaryDirectory()
        for url in [directory.file("absent.safetensors"), directory.url] {
            let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: url) }
            #expect(error?.kind == .io && error?.description.contains(url.path) == true)
        }
    }

    // MARK: Unusual but valid

    /// A hand-made file with an unpadded header puts 16-bit and 64-bit data at odd addresses; it still
    /// reads correctly.
    @Test func unpaddedHeaderWithMisalignedDataReads() throws {
        let halves: [UInt16] = [0x3C00, 0xC000, 0x7C00, 0x0001, 0x3555]
        let ids: [Int64] = [-3, 1 << 40]
        var data = ids.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        data += halves.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        let json = "{" + headerEntry("ids", "I64", [2], 0, 16) + "," + headerEntry("h", "F16", [5], 16, 26) + "}"
        let header = json + (json.utf8.count % 2 == 0 ? " " : "")
        #expect(Array(header.utf8).count % 2 == 1, "the data must start at an odd address")

        let directory = try TemporaryDirectory()
        let url = directory.file("unpadded.safetensors")
        try Data(safetensorsBytes(header: header, data: data)).write(to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(try file.tensor("h").scalars == halves.map { HalfPrecision.float(fromHalfBits: $0) })
        #expect(try file.tensor("ids").scalars == ids.map { Float($0) })
    }

    @Test func whitespaceAndEscapesInTheHeaderAreAccepted() throws {
        let header = " { \"__metadata__\" : null ,\n \"a\\u00e9\\n\\\"\" : { \"shape\" : [ 2 ] , \"data_offsets\" : [ 0 , 8 ], \"dtype\" : \"F32\", \"extra\": [1, {\"x\": -2.5e3}] } }\t "
        let directory = try TemporaryDirectory()
        let url = directory.file("spaced.safetensors")
        try Data(safetensorsBytes(header: header, data: [UInt8](repeating: 0, count: 8))).write(to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.keys == ["aé\n\""] && file.metadata.isEmpty)
        #expect(try file.tensor("aé\n\"").scalars == [0, 0])
    }
}
