import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on an output folder (`flock` on `<folder>/.lock`), held while a run writes there, so
/// that two processes never train into the same checkpoints. The operating system releases it when the
/// process ends, however it ends.
final class RunLock {
    private let descriptor: Int32

    /// Takes the lock of `directory`.
    /// - Throws: ``ExperimentError`` `.locked` when another process holds it, `.io` when the file cannot be opened.
    init(directory: URL) throws {
        let path = directory.appendingPathComponent(".lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExperimentError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw ExperimentError(.locked, "another run (process \(holder.isEmpty ? "?" : holder)) is writing to \(directory.path); wait for it to end or use another output folder")
        }
        descriptor = fd
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
