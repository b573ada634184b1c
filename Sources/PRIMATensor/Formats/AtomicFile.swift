import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a file all at once: its new bytes are written to a temporary file in the same directory,
/// flushed to disk and renamed over the target, so readers (and a crash) see either the old file or
/// the complete new one.
enum AtomicFile {
    /// Calls `body` with a descriptor open for writing on a fresh temporary file next to `path`, then
    /// `fsync`s it and renames it to `path`. If anything throws, the temporary file is removed and the
    /// file at `path` is untouched.
    static func write(to path: String, _ body: (Int32) throws -> Void) throws {
        let target = URL(fileURLWithPath: path)
        let directory = target.deletingLastPathComponent().path
        let temporaryPath = directory + "/." + target.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw SafeTensorsError(.io, path: path, "cannot create a temporary file in \(directory): \(lastError())")
        }
        var renamed = false
        defer { if !renamed { unlink(temporaryPath) } }
        do {
            try body(descriptor)
            guard fsync(descriptor) == 0 else { throw SafeTensorsError(.io, path: path, "fsync failed: \(lastError())") }
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw SafeTensorsError(.io, path: path, "close failed: \(lastError())") }
        guard rename(temporaryPath, path) == 0 else {
            throw SafeTensorsError(.io, path: path, "cannot rename the temporary file over it: \(lastError())")
        }
        renamed = true
        // Persist the rename itself; failure here leaves a complete file, so it is not an error.
        let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
