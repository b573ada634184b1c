import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes safetensors files, byte for byte as the reference Python/Rust library writes them.
///
/// The layout matches `safetensors.torch.save_file`: tensors ordered by descending dtype alignment, then
/// by key (UTF-8 byte order), packed without gaps; the header is compact JSON with `__metadata__` first
/// (its keys sorted here, where the reference's order is unspecified), padded with spaces to a multiple
/// of 8 bytes so that every tensor's data is aligned. Empty `metadata` writes no `__metadata__` entry.
public enum SafeTensors {
    /// Writes `tensors`, all stored as `dtype`, to `url` atomically: the bytes go to a temporary file in
    /// the same directory, which is flushed to disk (`fsync`) and then renamed over `url`. On any error
    /// the temporary file is removed and a file already at `url` is left as it was.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], dtype: SafeTensorsDType = .f32, to url: URL) throws {
        try write(tensors, dtypes: [:], defaultDType: dtype, metadata: metadata, to: url)
    }

    /// Writes `tensors` to `url` atomically (see ``write(_:metadata:dtype:to:)``), each stored as
    /// `dtypes[key]`, or `defaultDType` when it has no entry there.
    ///
    /// Float types round to nearest even. Integer and boolean types need whole numbers in their range
    /// (0 or 1 for `BOOL`); any other value throws ``SafeTensorsError/Kind/unrepresentableValue``.
    public static func write(_ tensors: [String: Tensor], dtypes: [String: SafeTensorsDType], defaultDType: SafeTensorsDType = .f32,
                             metadata: [String: String] = [:], to url: URL) throws {
        let path = url.path
        let layout = try Layout(tensors, dtypes: dtypes, defaultDType: defaultDType, metadata: metadata, path: path)
        try AtomicFile.write(to: path) { descriptor in
            var sink = FileSink(descriptor: descriptor, path: path)
            try layout.emit(into: &sink, path: path)
        }
    }

    /// The bytes ``write(_:dtypes:defaultDType:metadata:to:)`` would put in a file.
    public static func serialize(_ tensors: [String: Tensor], dtypes: [String: SafeTensorsDType] = [:], defaultDType: SafeTensorsDType = .f32,
                                 metadata: [String: String] = [:]) throws -> [UInt8] {
        let layout = try Layout(tensors, dtypes: dtypes, defaultDType: defaultDType, metadata: metadata, path: "<memory>")
        var sink = ArraySink()
        try layout.emit(into: &sink, path: "<memory>")
        return sink.bytes
    }
}

/// The planned file: the padded header and each tensor's place in the data buffer.
private struct Layout {
    struct Item {
        let key: String
        let tensor: Tensor
        let dtype: SafeTensorsDType
    }

    let header: [UInt8]
    let items: [Item]

    init(_ tensors: [String: Tensor], dtypes: [String: SafeTensorsDType], defaultDType: SafeTensorsDType,
         metadata: [String: String], path: String) throws {
        if let stray = dtypes.keys.first(where: { tensors[$0] == nil }) {
            throw SafeTensorsError(.tensorNotFound, path: path, key: stray, "dtypes names a tensor that is not being written")
        }
        if tensors[SafeTensorsHeader.metadataKey] != nil {
            throw SafeTensorsError(.invalidEntry, path: path, key: SafeTensorsHeader.metadataKey, "this key is reserved for the metadata")
        }
        items = tensors.map { Item(key: $0.key, tensor: $0.value, dtype: dtypes[$0.key] ?? defaultDType) }
            .sorted { lhs, rhs in
                lhs.dtype.layoutRank != rhs.dtype.layoutRank
                    ? lhs.dtype.layoutRank > rhs.dtype.layoutRank
                    : lhs.key.utf8.lexicographicallyPrecedes(rhs.key.utf8)
            }

        var json = HeaderWriter()
        json.raw("{")
        var first = true
        if !metadata.isEmpty {
            json.string(SafeTensorsHeader.metadataKey)
            json.raw(":{")
            for (index, name) in metadata.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if index > 0 { json.raw(",") }
                json.string(name)
                json.raw(":")
                json.string(metadata[name]!)
            }
            json.raw("}")
            first = false
        }
        var offset = 0
        for item in items {
            if !first { json.raw(",") }
            first = false
            let end = offset + item.tensor.count * item.dtype.size
            json.string(item.key)
            json.raw(":{\"dtype\":\"\(item.dtype.rawValue)\",\"shape\":[\(item.tensor.shape.map(String.init).joined(separator: ","))],")
            json.raw("\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        json.raw("}")
        while json.bytes.count % 8 != 0 { json.bytes.append(0x20) }
        header = json.bytes
    }

    /// Writes the length prefix, header and data, converting each tensor in chunks.
    func emit<Sink: ByteSink>(into sink: inout Sink, path: String) throws {
        var length = UInt64(header.count).littleEndian
        try Swift.withUnsafeBytes(of: &length) { try sink.write($0) }
        try header.withUnsafeBytes { try sink.write($0) }

        let chunkElements = 1 << 16
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: chunkElements * 8, alignment: 64)
        defer { scratch.deallocate() }
        for item in items {
            let source = item.tensor.storage.pointer
            var start = 0
            while start < item.tensor.count {
                let count = min(chunkElements, item.tensor.count - start)
                if let bad = SafeTensorsEncoding.encode(source + start, count: count, as: item.dtype, into: scratch) {
                    let index = start + bad
                    throw SafeTensorsError(.unrepresentableValue, path: path, key: item.key,
                                           "element \(index) is \(source[index]), which \(item.dtype.rawValue) cannot hold")
                }
                try sink.write(UnsafeRawBufferPointer(start: scratch, count: count * item.dtype.size))
                start += count
            }
        }
    }
}

/// Compact JSON text with the string escaping of Rust's `serde_json` (the reference writer), so that
/// headers match byte for byte.
private struct HeaderWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// Where serialized bytes go.
private protocol ByteSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

private struct ArraySink: ByteSink {
    var bytes: [UInt8] = []
    mutating func write(_ chunk: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: chunk) }
}

private struct FileSink: ByteSink {
    let descriptor: Int32
    let path: String

    mutating func write(_ chunk: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < chunk.count {
            #if canImport(Glibc)
            let written = Glibc.write(descriptor, chunk.baseAddress! + offset, chunk.count - offset)
            #else
            let written = Darwin.write(descriptor, chunk.baseAddress! + offset, chunk.count - offset)
            #endif
            if written < 0 {
                if errno == EINTR { continue }
                throw SafeTensorsError(.io, path: path, "write failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
}
