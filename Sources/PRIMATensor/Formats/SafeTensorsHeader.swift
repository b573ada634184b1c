/// Where one tensor lives in a safetensors file.
public struct SafeTensorsEntry: Sendable, Equatable {
    /// The stored element type.
    public let dtype: SafeTensorsDType
    /// The tensor's shape (`[]` for a scalar).
    public let shape: [Int]
    /// The tensor's bytes, as offsets into the data buffer that follows the header (the file's
    /// `data_offsets`, not offsets from the start of the file).
    public let byteRange: Range<Int>

    public init(dtype: SafeTensorsDType, shape: [Int], byteRange: Range<Int>) {
        self.dtype = dtype
        self.shape = shape
        self.byteRange = byteRange
    }

    /// The number of elements, `product(shape)`.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// The validated contents of a safetensors header.
///
/// Validation follows the reference implementation (Hugging Face `safetensors`): the header is a UTF-8
/// JSON object; each entry has a known dtype, a shape of non-negative integers and `data_offsets`
/// `[begin, end]` holding exactly `product(shape) * size(dtype)` bytes; and the entries, ordered by
/// offset, tile the data buffer exactly — no overlaps, no gaps, no trailing bytes. Beyond the reference,
/// a key that appears twice is an error rather than silently resolved.
struct SafeTensorsHeader {
    /// The reference library refuses headers above 100 MB; so does this reader.
    static let maximumByteCount = 100_000_000
    static let metadataKey = "__metadata__"

    var metadata: [String: String] = [:]
    var entries: [String: SafeTensorsEntry] = [:]

    /// Validates the header `bytes` of the file at `path`, whose data buffer holds `dataByteCount` bytes.
    init(bytes: UnsafeRawBufferPointer, dataByteCount: Int, path: String) throws(SafeTensorsError) {
        func fail(_ kind: SafeTensorsError.Kind, _ key: String?, _ message: String) -> SafeTensorsError {
            SafeTensorsError(kind, path: path, key: key, message)
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw fail(.invalidHeader, nil, "header is not valid UTF-8")
        }
        let root: HeaderJSON
        do {
            root = try HeaderJSON.parse(bytes)
        } catch {
            throw fail(.invalidHeader, nil, "header is not valid JSON: \(error.message) at header byte \(error.offset)")
        }
        guard case .object(let members) = root else {
            throw fail(.invalidHeader, nil, "header is \(root.typeName), not a JSON object")
        }
        var seen = Set<String>()
        for (key, value) in members {
            guard seen.insert(key).inserted else { throw fail(.duplicateKey, key, "the key appears more than once in the header") }
            if key == Self.metadataKey {
                metadata = try Self.metadata(value, fail: fail)
            } else {
                entries[key] = try Self.entry(key, value, dataByteCount: dataByteCount, fail: fail)
            }
        }
        try Self.checkTiling(entries, dataByteCount: dataByteCount, fail: fail)
    }

    private typealias Fail = (SafeTensorsError.Kind, String?, String) -> SafeTensorsError

    private static func metadata(_ value: HeaderJSON, fail: Fail) throws(SafeTensorsError) -> [String: String] {
        if case .null = value { return [:] }
        guard case .object(let pairs) = value else {
            throw fail(.invalidMetadata, nil, "__metadata__ is \(value.typeName), not an object of strings")
        }
        var metadata: [String: String] = [:]
        for (name, item) in pairs {
            guard case .string(let text) = item else {
                throw fail(.invalidMetadata, nil, "__metadata__ value \"\(name)\" is \(item.typeName), not a string")
            }
            guard metadata.updateValue(text, forKey: name) == nil else {
                throw fail(.duplicateKey, nil, "__metadata__ key \"\(name)\" appears more than once")
            }
        }
        return metadata
    }

    private static func entry(_ key: String, _ value: HeaderJSON, dataByteCount: Int, fail: Fail) throws(SafeTensorsError) -> SafeTensorsEntry {
        guard case .object(let pairs) = value else {
            throw fail(.invalidEntry, key, "entry is \(value.typeName), not an object with dtype, shape and data_offsets")
        }
        var fields: [String: HeaderJSON] = [:]
        for (name, item) in pairs where fields.updateValue(item, forKey: name) != nil {
            throw fail(.duplicateKey, key, "field \"\(name)\" appears more than once in the entry")
        }
        guard let dtypeField = fields["dtype"], let shapeField = fields["shape"], let offsetsField = fields["data_offsets"] else {
            let missing = ["dtype", "shape", "data_offsets"].filter { fields[$0] == nil }
            throw fail(.invalidEntry, key, "entry has no \(missing.joined(separator: ", "))")
        }

        guard case .string(let dtypeName) = dtypeField else { throw fail(.invalidEntry, key, "dtype is \(dtypeField.typeName), not a string") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail(.unsupportedDType, key, "dtype \"\(dtypeName)\" is not supported (supported: \(known))")
        }

        guard case .array(let dimensions) = shapeField else { throw fail(.invalidEntry, key, "shape is \(shapeField.typeName), not an array") }
        var shape: [Int] = []
        var elementCount = 1
        for (axis, dimension) in dimensions.enumerated() {
            switch dimension.nonNegativeInteger() {
            case .failure(let problem): throw fail(.invalidShape, key, "shape dimension \(axis) \(problem)")
            case .success(let size):
                let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
                guard !overflow else { throw fail(.invalidShape, key, "the shape's element count overflows") }
                elementCount = product
                shape.append(size)
            }
        }

        guard case .array(let offsets) = offsetsField, offsets.count == 2 else {
            throw fail(.invalidOffsets, key, "data_offsets must be an array [begin, end]")
        }
        var bounds: [Int] = []
        for (index, offset) in offsets.enumerated() {
            switch offset.nonNegativeInteger() {
            case .failure(let problem): throw fail(.invalidOffsets, key, "data_offsets \(index == 0 ? "begin" : "end") \(problem)")
            case .success(let value): bounds.append(value)
            }
        }
        let (begin, end) = (bounds[0], bounds[1])
        guard begin <= end else { throw fail(.invalidOffsets, key, "data_offsets [\(begin), \(end)] begin after end") }
        guard end <= dataByteCount else {
            throw fail(.invalidOffsets, key, "data_offsets [\(begin), \(end)] reach past the data buffer of \(dataByteCount) bytes")
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, byteCount == end - begin else {
            throw fail(.sizeMismatch, key, "data_offsets [\(begin), \(end)] hold \(end - begin) bytes but shape \(shape) of \(dtype.rawValue) needs \(overflow ? "more" : String(byteCount))")
        }
        return SafeTensorsEntry(dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// Checks that the entries, in offset order, cover `0..<dataByteCount` exactly once.
    private static func checkTiling(_ entries: [String: SafeTensorsEntry], dataByteCount: Int, fail: Fail) throws(SafeTensorsError) {
        let ordered = entries.sorted {
            ($0.value.byteRange.lowerBound, $0.value.byteRange.upperBound, $0.key) < ($1.value.byteRange.lowerBound, $1.value.byteRange.upperBound, $1.key)
        }
        var covered = 0
        var previousKey: String?
        for (key, entry) in ordered {
            let range = entry.byteRange
            if range.lowerBound < covered {
                throw fail(.overlappingEntries, key, "bytes [\(range.lowerBound), \(range.upperBound)) overlap tensor \"\(previousKey ?? "")\" (which ends at \(covered))")
            }
            if range.lowerBound > covered {
                throw fail(.uncoveredBytes, key, "data buffer bytes [\(covered), \(range.lowerBound)) before this tensor belong to no tensor")
            }
            covered = range.upperBound
            previousKey = key
        }
        if covered != dataByteCount {
            throw fail(.uncoveredBytes, nil, "data buffer bytes [\(covered), \(dataByteCount)) after the last tensor belong to no tensor")
        }
    }
}
