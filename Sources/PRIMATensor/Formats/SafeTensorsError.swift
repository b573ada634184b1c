/// A safetensors file that cannot be read or written, with the file, the tensor key when one is at
/// fault, and what is wrong.
///
/// ```
/// safetensors file /models/qwen3.safetensors, tensor "lm_head.weight": data_offsets [0, 96] hold 96 bytes
/// but shape [4, 8] of BF16 needs 64
/// ```
public struct SafeTensorsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of problem it is, for code that reacts to some of them.
    public enum Kind: String, Sendable, Equatable {
        /// The file could not be opened, mapped, written or renamed (the OS error is in the message).
        case io
        /// The file ends before its 8-byte header length or before the end of its header.
        case truncated
        /// The declared header length is above the 100 MB limit of the reference library.
        case headerTooLarge
        /// The header is not UTF-8 JSON, or its top level is not an object.
        case invalidHeader
        /// A key appears twice in the header.
        case duplicateKey
        /// `__metadata__` is not an object of string values.
        case invalidMetadata
        /// A tensor entry is not an object with `dtype`, `shape` and `data_offsets` of the right types.
        case invalidEntry
        /// The dtype is not one of ``SafeTensorsDType``.
        case unsupportedDType
        /// The shape has a negative or non-integer dimension, or its element count overflows.
        case invalidShape
        /// `data_offsets` are not two integers `[begin, end]` with `begin <= end` inside the data buffer.
        case invalidOffsets
        /// The byte range does not hold exactly `product(shape) * dtype.size` bytes.
        case sizeMismatch
        /// Two tensors share bytes of the data buffer.
        case overlappingEntries
        /// Bytes of the data buffer belong to no tensor (a gap, or trailing bytes after the last tensor).
        case uncoveredBytes
        /// No tensor has the requested key.
        case tensorNotFound
        /// A value cannot be stored in the requested dtype (a fraction, NaN or out-of-range number in an
        /// integer type).
        case unrepresentableValue
    }

    public let kind: Kind
    /// The file read or written.
    public let path: String
    /// The tensor key at fault, if any.
    public let key: String?
    /// What is wrong, in words.
    public let message: String

    public init(_ kind: Kind, path: String, key: String? = nil, _ message: String) {
        self.kind = kind
        self.path = path
        self.key = key
        self.message = message
    }

    public var description: String {
        if let key { return "safetensors file \(path), tensor \"\(key)\": \(message)" }
        return "safetensors file \(path): \(message)"
    }
}
