import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if _endian(big)
#error("safetensors data is little-endian; PRIMATensor reads it in place and supports little-endian hosts only")
#endif

/// A safetensors file, memory-mapped read-only and validated in full when opened.
///
/// Opening reads only the header; ``tensor(_:)`` converts one tensor's bytes to a Float32 ``Tensor``
/// when asked, so a large checkpoint costs no more memory than the tensors taken from it. Every read
/// stays inside the mapping: the header is checked (see ``SafeTensorsError/Kind``) before any data is
/// touched. As in the reference library, the tensors must tile the data buffer exactly: overlaps, gaps
/// and trailing bytes are all errors. The mapping is released when the object is deallocated.
///
/// ```swift
/// let file = try SafeTensorsFile(contentsOf: url)
/// for key in file.keys { print(key, file.entries[key]!.shape) }
/// let weight = try file.tensor("model.embed_tokens.weight")
/// ```
///
/// The object is immutable, so tensors may be read from several threads at once. The file must not be
/// truncated by another process while it is open (as with any memory map).
public final class SafeTensorsFile: @unchecked Sendable {
    /// The file's location.
    public let url: URL
    /// The free-form `__metadata__` strings (empty when the header has none).
    public let metadata: [String: String]
    /// Every tensor's dtype, shape and byte range, by key.
    public let entries: [String: SafeTensorsEntry]
    /// The tensor keys, sorted.
    public var keys: [String] { entries.keys.sorted() }

    /// Start and length of the whole-file mapping (`nil` base for an empty mapping is impossible: files
    /// shorter than 8 bytes are rejected before mapping).
    private let mapping: UnsafeRawBufferPointer
    /// Offset of the data buffer (8 + header length) within the mapping.
    private let dataStart: Int

    /// Opens, maps and validates the safetensors file at `url`; throws ``SafeTensorsError`` naming the
    /// file, the tensor key when one is at fault, and the problem.
    public init(contentsOf url: URL) throws {
        let path = url.path
        self.url = url
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SafeTensorsError(.io, path: path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw SafeTensorsError(.io, path: path, "cannot stat: \(String(cString: strerror(errno)))") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw SafeTensorsError(.io, path: path, "not a regular file") }
        let fileSize = Int(status.st_size)
        guard fileSize >= 8 else {
            throw SafeTensorsError(.truncated, path: path, "file has \(fileSize) bytes, fewer than the 8-byte header length")
        }
        guard let base = mmap(nil, fileSize, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            throw SafeTensorsError(.io, path: path, "cannot memory-map: \(String(cString: strerror(errno)))")
        }
        let mapping = UnsafeRawBufferPointer(start: base, count: fileSize)
        do {
            let headerLength = mapping.loadUnaligned(as: UInt64.self).littleEndian
            guard headerLength <= UInt64(SafeTensorsHeader.maximumByteCount) else {
                throw SafeTensorsError(.headerTooLarge, path: path, "header length \(headerLength) is above the \(SafeTensorsHeader.maximumByteCount)-byte limit")
            }
            let dataStart = 8 + Int(headerLength)
            guard dataStart <= fileSize else {
                throw SafeTensorsError(.truncated, path: path, "header of \(headerLength) bytes reaches past the end of the \(fileSize)-byte file")
            }
            let header = try SafeTensorsHeader(bytes: UnsafeRawBufferPointer(rebasing: mapping[8..<dataStart]),
                                               dataByteCount: fileSize - dataStart, path: path)
            self.metadata = header.metadata
            self.entries = header.entries
            self.mapping = mapping
            self.dataStart = dataStart
        } catch {
            munmap(base, fileSize)
            throw error
        }
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: mapping.baseAddress!), mapping.count)
    }

    /// The entry for `key`, or a ``SafeTensorsError/Kind/tensorNotFound`` error.
    public func entry(_ key: String) throws -> SafeTensorsEntry {
        guard let entry = entries[key] else {
            throw SafeTensorsError(.tensorNotFound, path: url.path, key: key, "no such tensor in the file (it has \(entries.count) tensors)")
        }
        return entry
    }

    /// Calls `body` with the raw little-endian bytes of tensor `key`, straight from the mapping. The
    /// buffer is valid only during the call.
    public func withUnsafeBytes<Result>(of key: String, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let range = try entry(key).byteRange
        return try body(UnsafeRawBufferPointer(rebasing: mapping[(dataStart + range.lowerBound)..<(dataStart + range.upperBound)]))
    }

    /// Hands the mapped pages of tensor `key` back to the system once its values have been copied out: they were
    /// counted in the process's resident memory since first read, and a checkpoint loaded tensor by tensor would
    /// otherwise end up holding the whole file resident next to the model. The data stays in the page cache and is
    /// read again if touched (the mapping is read-only and private, so nothing is lost). No-op for an unknown key.
    public func releasePages(of key: String) {
        guard let range = entries[key]?.byteRange, !range.isEmpty, let base = mapping.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (dataStart + range.lowerBound) / page * page
        let end = min(mapping.count, (dataStart + range.upperBound + page - 1) / page * page)
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
    }

    /// Every tensor, converted to Float32 (see ``tensor(_:)``), by key.
    public func tensors() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for key in entries.keys { result[key] = try tensor(key) }
        return result
    }

    /// Tensor `key` converted to Float32: floats exactly (F64 rounded to nearest), integers and
    /// booleans to their numeric value.
    public func tensor(_ key: String) throws -> Tensor {
        let entry = try entry(key)
        let output = Tensor(uninitializedShape: entry.shape)
        try withUnsafeBytes(of: key) { bytes in
            SafeTensorsDecoding.decode(bytes, as: entry.dtype, into: output.storage.pointer, count: output.count)
        }
        return output
    }
}
