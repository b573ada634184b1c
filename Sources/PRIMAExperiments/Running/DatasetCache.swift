import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PRIMAData

/// Where the example executables keep generated data: `$PRIMA_CACHE`, else `~/.cache/prima-swift`.
///
/// A dataset is generated into a temporary folder and renamed into place when complete, so an interrupted
/// generation is never mistaken for a finished one.
public enum DatasetCache {
    /// The cache folder (`$PRIMA_CACHE` or `~/.cache/prima-swift`).
    public static var defaultRoot: URL {
        if let path = ProcessInfo.processInfo.environment["PRIMA_CACHE"], !path.isEmpty {
            return URL(fileURLWithPath: (path as NSString).expandingTildeInPath, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/prima-swift", isDirectory: true)
    }

    /// The version of the synthetic generators in the cached folders' names: a cache made by an older generator
    /// (other relations, other photos) is not reused.
    static let generatorVersion = "v2"

    /// The synthetic PAD-UFES-20 look-alike with `imageCount` photos and `seed`, generated on first use.
    /// - Returns: its folder (PAD-UFES-20 layout).
    public static func syntheticPADUFES(imageCount: Int, seed: UInt64, in root: URL = defaultRoot) throws -> URL {
        guard imageCount >= 30 else {
            throw ExperimentError(.invalidOption, "--synthetic-images must be at least 30 for five patient-disjoint folds, got \(imageCount)")
        }
        return try cached("synthetic-pad-ufes-20-\(generatorVersion)-n\(imageCount)-seed\(seed)", in: root) { folder in
            try SyntheticPADUFES.write(to: folder, .init(imageCount: imageCount, seed: seed))
        }
    }

    /// The synthetic AQUA look-alike with `patientCount` patients and `seed`, generated on first use.
    /// - Returns: its folder (AQUA layout).
    public static func syntheticAQUA(patientCount: Int, seed: UInt64, in root: URL = defaultRoot) throws -> URL {
        guard patientCount >= 20 else {
            throw ExperimentError(.invalidOption, "--synthetic-patients must be at least 20, got \(patientCount)")
        }
        return try cached("synthetic-aqua-\(generatorVersion)-n\(patientCount)-seed\(seed)", in: root) { folder in
            try SyntheticAQUA.write(to: folder, .init(patientCount: patientCount, seed: seed))
        }
    }

    /// `root/name`, made by `generate` into a temporary folder first if it does not exist yet.
    static func cached(_ name: String, in root: URL, generate: (URL) throws -> Void) throws -> URL {
        let target = root.appendingPathComponent(name, isDirectory: true)
        let manager = FileManager.default
        if manager.fileExists(atPath: target.path) { return target }
        let temporary = root.appendingPathComponent(".\(name).partial-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        do {
            try manager.createDirectory(at: root, withIntermediateDirectories: true)
            removeAbandonedPartials(of: name, in: root)
            try? manager.removeItem(at: temporary)
            try generate(temporary)
            try manager.moveItem(at: temporary, to: target)
        } catch {
            try? manager.removeItem(at: temporary)
            if manager.fileExists(atPath: target.path) { return target }  // another process finished first
            throw ExperimentError(.io, "cannot generate the synthetic data in \(root.path): \(error)")
        }
        return target
    }

    /// Removes `.<name>.partial-<pid>` folders whose process is gone (killed while generating); those of a
    /// live process (another run generating the same data now) are left alone.
    static func removeAbandonedPartials(of name: String, in root: URL) {
        let prefix = ".\(name).partial-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for entry in names where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count)), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: root.appendingPathComponent(entry, isDirectory: true))
            }
        }
    }
}
