import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which files a dataset's own files (a manifest's image paths, the photos in its image folders) may make a
/// loader read.
///
/// A dataset folder comes from elsewhere and is not trusted by default: a manifest row of `../../etc/passwd`,
/// an absolute path, or a symbolic link inside the folder that leads out of it would otherwise let the data
/// make the program read any file the user can read.
public enum DatasetPathPolicy: Sendable, Equatable {
    /// Only files inside the dataset folder once symbolic links are resolved (the default): `..` segments or
    /// links that lead out and absolute paths are refused with a ``DataError`` naming the file and the path.
    case insideRoot
    /// Any path the dataset names, for a dataset whose photos are deliberately linked from another disk.
    case allowOutsideRoot
}

/// Resolves the paths a dataset names against its folder under a ``DatasetPathPolicy``.
struct DatasetPathResolver {
    let root: URL
    let policy: DatasetPathPolicy
    /// `root` with every symbolic link resolved, ending in "/".
    private let resolvedRoot: String

    init(root: URL, policy: DatasetPathPolicy) {
        self.root = root
        self.policy = policy
        let real = Self.realPath(root.path) ?? root.standardizedFileURL.path
        resolvedRoot = real.hasSuffix("/") ? real : real + "/"
    }

    /// The file at `path` (relative to the root, or absolute where allowed).
    /// - Throws: the message of why the path is refused, for the caller to place in its file and row.
    func url(for path: String) throws -> URL {
        if path.hasPrefix("/") {
            guard policy == .allowOutsideRoot else {
                throw DatasetPathError("'\(path)' is an absolute path; only paths inside \(root.path) are read unless paths outside the dataset folder are allowed")
            }
            return URL(fileURLWithPath: path)
        }
        let url = root.appendingPathComponent(path)
        try check(url, named: path)
        return url
    }

    /// Checks that `url`, once its symbolic links are resolved, lies inside the root.
    func check(_ url: URL, named name: String) throws {
        guard policy == .insideRoot else { return }
        // Lexically first (`a/../../x` leaves the folder even where `a` does not exist), then through links.
        var depth = 0
        for component in name.split(separator: "/") {
            if component == ".." { depth -= 1 } else if component != "." { depth += 1 }
            if depth < 0 { throw DatasetPathError("'\(name)' leads outside the dataset folder \(root.path)") }
        }
        if let real = Self.realPath(url.path), !real.hasPrefix(resolvedRoot) {
            throw DatasetPathError("'\(name)' is a symbolic link to \(real), outside the dataset folder \(root.path)")
        }
    }

    /// The path with every symbolic link resolved, or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// Why a dataset path was refused (wrapped into a ``DataError`` that names the file and row).
struct DatasetPathError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension DatasetPathResolver {
    /// One of the dataset's own files (`metadata.csv`, …), checked like the paths it names.
    /// - Throws: ``DataError`` `.badValue` naming the file when it leads outside the folder.
    func checkedFile(_ name: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        do { try check(url, named: name) } catch let refused as DatasetPathError {
            throw DataError(.badValue, file: url.path, refused.message)
        }
        return url
    }
}
