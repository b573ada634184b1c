import Foundation
import PRIMAAlign
import PRIMAFusion
import PRIMATensor
import PRIMAText

/// Stage 3's frozen features of a fold's splits, kept in the fold's folder (`fusion-features.safetensors`) so that
/// a resumed fold reads them instead of loading the stage-2 network again and encoding every photo and metadata
/// text of its training, validation and test samples.
///
/// The file records the ``key`` of what produced it (PRIMAExperiment's `fusionFeatureKey`: the earlier stages'
/// settings and the contents of their output folders, the number of views, and every sample's id, label, photo paths
/// and metadata text). A file with another key, or one that cannot be read, is not used: the features are
/// computed again and the file replaced. Tensors are stored as float32, so a read gives the computed bits. The
/// harness deletes the file when the fold is finished (``FoldTrainer/scratchFiles``).
struct FusionFeatureCache {
    /// The file's name in the fold folder.
    static let fileName = "fusion-features.safetensors"
    /// The layout of the file; a new layout makes older files misses.
    static let format = "1"

    /// The file.
    let url: URL
    /// The digest of what produced the features.
    let key: String

    /// The cache file of the fold folder `folder`, for features produced as `key` says.
    init(folder: URL, key: String) {
        url = folder.appendingPathComponent(Self.fileName)
        self.key = key
    }

    /// The saved feature sets when the file was made under this key for samples with these `ids` (one list per
    /// set, in order); nil when there is no such file, it was made under another key, or it cannot be read.
    func load(ids: [[String]]) -> [FusionFeatureSet]? {
        guard FileManager.default.fileExists(atPath: url.path),
              let file = try? SafeTensorsFile(contentsOf: url),
              file.metadata["format"] == Self.format, file.metadata["key"] == key,
              file.metadata["sets"] == String(ids.count) else { return nil }
        return try? ids.indices.map { index in
            let set = try Self.read(set: index, from: file)
            guard set.ids == ids[index] else { throw ExperimentError(.io, "\(url.path): set \(index) holds other samples") }
            return set
        }
    }

    /// Writes `sets` under ``key``, atomically (a stopped write leaves the previous file or none).
    /// - Throws: ``ExperimentError`` `.io` naming the file.
    func store(_ sets: [FusionFeatureSet]) throws {
        var tensors: [String: Tensor] = [:]
        var metadata = ["format": Self.format, "key": key, "sets": String(sets.count)]
        for (index, set) in sets.enumerated() {
            let prefix = "set\(index)."
            for (v, view) in set.views.enumerated() {
                tensors[prefix + "view\(v).global"] = view.global
                if let tokens = view.tokens { tensors[prefix + "view\(v).tokens"] = tokens }
            }
            tensors[prefix + "text.cls"] = set.text.cls
            tensors[prefix + "text.tokens"] = set.text.tokens
            tensors[prefix + "text.mask"] = set.text.mask
            tensors[prefix + "text.word_mask"] = set.text.wordMask
            metadata[prefix + "ids"] = try Self.json(set.ids)
            metadata[prefix + "labels"] = try Self.json(set.labels)
            metadata[prefix + "views"] = String(set.views.count)
            if let grid = set.views.first?.grid { metadata[prefix + "grid"] = "\(grid.height)x\(grid.width)" }
        }
        do { try SafeTensors.write(tensors, metadata: metadata, to: url) } catch {
            throw ExperimentError(.io, "cannot write the stage-3 features \(url.path): \(ExperimentError.describe(error))")
        }
    }

    private static func read(set index: Int, from file: SafeTensorsFile) throws -> FusionFeatureSet {
        let prefix = "set\(index).", metadata = file.metadata
        guard let idsText = metadata[prefix + "ids"], let labelsText = metadata[prefix + "labels"],
              let viewCount = metadata[prefix + "views"].flatMap(Int.init) else {
            throw ExperimentError(.io, "\(file.url.path): set \(index) is incomplete")
        }
        let grid = try metadata[prefix + "grid"].map { text -> PatchGrid in
            let sides = text.split(separator: "x").compactMap { Int($0) }
            guard sides.count == 2 else { throw ExperimentError(.io, "\(file.url.path): grid \(text)") }
            return PatchGrid(height: sides[0], width: sides[1])
        }
        let views = try (0..<viewCount).map { v in
            let tokens: Tensor? = try file.entries[prefix + "view\(v).tokens"] == nil ? nil : file.tensor(prefix + "view\(v).tokens")
            return ImageFeatures(global: try file.tensor(prefix + "view\(v).global"), tokens: tokens, grid: grid)
        }
        let text = TextFeatures(cls: try file.tensor(prefix + "text.cls"), tokens: try file.tensor(prefix + "text.tokens"),
                                mask: try file.tensor(prefix + "text.mask"), wordMask: try file.tensor(prefix + "text.word_mask"))
        return try FusionFeatureSet(ids: try JSONDecoder().decode([String].self, from: Data(idsText.utf8)),
                                    labels: try JSONDecoder().decode([Int].self, from: Data(labelsText.utf8)), views: views, text: text)
    }

    private static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
}
