import Foundation

/// The files of one experiment's run inside the output folder:
///
/// ```
/// <output>/folds.csv                          the fold of every sample (shared by all experiments)
/// <output>/<experiment>/run.json              the settings of the run, checked when it is resumed
/// <output>/<experiment>/fold-<k>/checkpoint.safetensors   the last finished epoch (while the fold runs)
/// <output>/<experiment>/fold-<k>/best.safetensors         the best epoch's trainable weights (while the fold runs)
/// <output>/<experiment>/fold-<k>/result.json  the finished fold
/// ```
///
/// Every file is replaced atomically (temporary file + rename), so a run stopped at any moment leaves
/// either the old or the new version.
public struct RunDirectory: Sendable {
    /// The output folder of all experiments.
    public let root: URL
    /// The experiment's folder.
    public let experimentDirectory: URL

    /// The run folder of `experiment` under `root`.
    public init(root: URL, experiment: String) {
        self.root = root
        self.experimentDirectory = root.appendingPathComponent(experiment, isDirectory: true)
    }

    /// The shared fold assignment.
    public var foldsFile: URL { Self.foldsFile(in: root) }
    /// The fold assignment shared by the experiments of the output folder `root`.
    public static func foldsFile(in root: URL) -> URL { root.appendingPathComponent("folds.csv") }
    /// The run's settings.
    public var settingsFile: URL { experimentDirectory.appendingPathComponent("run.json") }
    /// Fold `k`'s folder (1-based in the name, as people count folds).
    public func foldDirectory(_ k: Int) -> URL { experimentDirectory.appendingPathComponent("fold-\(k + 1)", isDirectory: true) }
    /// Fold `k`'s last-epoch checkpoint.
    public func checkpointFile(_ k: Int) -> URL { foldDirectory(k).appendingPathComponent("checkpoint.safetensors") }
    /// Fold `k`'s best-epoch weights.
    public func bestWeightsFile(_ k: Int) -> URL { foldDirectory(k).appendingPathComponent("best.safetensors") }
    /// Fold `k`'s finished result.
    public func resultFile(_ k: Int) -> URL { foldDirectory(k).appendingPathComponent("result.json") }

    /// Removes the temporary files a killed process left behind (`.best.safetensors.tmp-<pid>-<n>` and the
    /// like, written before an atomic rename) in the output folder, its experiments and their folds. Called
    /// while holding the folder's ``RunLock``, so no live writer owns them.
    static func removeStaleTemporaryFiles(under root: URL) {
        let manager = FileManager.default
        var folders = [root]
        for depth in 0..<3 {
            var next: [URL] = []
            for folder in folders {
                guard let names = try? manager.contentsOfDirectory(atPath: folder.path) else { continue }
                for name in names {
                    let url = folder.appendingPathComponent(name)
                    var isDirectory: ObjCBool = false
                    guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory) else { continue }
                    if isDirectory.boolValue {
                        if depth < 2 { next.append(url) }
                    } else if name.hasPrefix("."), name.contains(".tmp-") {
                        try? manager.removeItem(at: url)
                    }
                }
            }
            folders = next
        }
    }

    /// Removes `folder` if all it holds is the run lock (`.lock`).
    static func removeIfOnlyLock(_ folder: URL) {
        guard (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) == [".lock"] else { return }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Creates `url` and its parents.
    static func createDirectory(_ url: URL) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw ExperimentError(.io, "cannot create the folder \(url.path): \(error.localizedDescription)")
        }
    }

    /// Encodes `value` as pretty, key-sorted JSON and writes it atomically.
    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        do {
            try JSONCoding.encoder.encode(value).write(to: url, options: .atomic)
        } catch {
            throw ExperimentError(.io, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads JSON written by ``writeJSON(_:to:)``.
    static func readJSON<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        do {
            return try JSONCoding.decoder.decode(type, from: Data(contentsOf: url))
        } catch {
            throw ExperimentError(.io, "cannot read \(url.path): \(error). Delete the file to recompute it.")
        }
    }
}

/// The JSON conventions of run folders: pretty, sorted keys, non-finite numbers as strings.
public enum JSONCoding {
    /// The encoder of every JSON file the experiments write.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// The matching decoder.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
