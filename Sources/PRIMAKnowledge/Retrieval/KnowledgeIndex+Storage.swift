import Foundation
import PRIMAData
import PRIMATensor

/// The on-disk form of a ``KnowledgeIndex``: a folder with
/// - `index.json`: format and version, a build id, the chunking settings, the embedder identity and the chunks;
/// - `embeddings.safetensors` (dense indexes only): tensor `embeddings` `[chunks, dimension]` float32, with the same
///   build id in its metadata.
///
/// Each file is written atomically, vectors first; the shared build id makes a reload refuse a folder whose two files
/// come from different builds (an interrupted rewrite) instead of pairing chunks with the wrong vectors.
extension KnowledgeIndex {
    /// The name of the chunk file.
    public static let indexFileName = "index.json"
    /// The name of the vector file.
    public static let embeddingsFileName = "embeddings.safetensors"
    static let format = "prima-knowledge-index"
    static let formatVersion = 1

    struct Manifest: Codable {
        var format: String
        var formatVersion: Int
        var buildID: String
        var chunking: ChunkingSettings
        var embedder: String?
        var dimension: Int?
        var chunks: [KnowledgeChunk]

        enum CodingKeys: String, CodingKey {
            case format, formatVersion = "format_version", buildID = "build_id", chunking, embedder, dimension, chunks
        }
    }

    /// Writes the index into `folder` (created if needed).
    /// - Throws: `DataError` (`.io`) naming the file that could not be written.
    public func write(to folder: URL) throws {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw DataError(.io, file: folder.path, "cannot create the index folder: \(error.localizedDescription)")
        }
        let buildID = UUID().uuidString
        let vectors = folder.appendingPathComponent(Self.embeddingsFileName)
        if let embeddings {
            do { try SafeTensors.write(["embeddings": embeddings], metadata: ["build_id": buildID, "embedder": embedderIdentity ?? ""], to: vectors) } catch {
                throw DataError(.io, file: vectors.path, "cannot write the vectors: \(error)")
            }
        }
        let manifest = Manifest(format: Self.format, formatVersion: Self.formatVersion, buildID: buildID, chunking: chunking,
                                embedder: embedderIdentity, dimension: embeddings?.shape[1], chunks: chunks)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let url = folder.appendingPathComponent(Self.indexFileName)
        do { try encoder.encode(manifest).write(to: url, options: .atomic) } catch {
            throw DataError(.io, file: url.path, "cannot write the index: \(error.localizedDescription)")
        }
        // A BM25-only index replacing a dense one: the old vectors no longer belong to it.
        if embeddings == nil { try? FileManager.default.removeItem(at: vectors) }
    }

    /// Reads an index written by ``write(to:)``.
    /// - Throws: `DataError` naming the file: missing, not an index, another format version, or vectors that do not
    ///   belong to the chunks.
    public init(contentsOf folder: URL) throws {
        let url = folder.appendingPathComponent(Self.indexFileName)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(.missingFile, file: url.path, "cannot read the knowledge index (build it with `prima-knowledge index`)")
        }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw DataError(.badValue, file: url.path, "not a knowledge index: \(JSONLines.describe(error))")
        }
        guard manifest.format == Self.format, manifest.formatVersion == Self.formatVersion else {
            throw DataError(.badValue, file: url.path, "format \(manifest.format) version \(manifest.formatVersion); expected \(Self.format) version \(Self.formatVersion)")
        }
        var embeddings: Tensor?
        if let dimension = manifest.dimension {
            let vectors = folder.appendingPathComponent(Self.embeddingsFileName)
            let file: SafeTensorsFile
            do { file = try SafeTensorsFile(contentsOf: vectors) } catch {
                throw DataError(.missingFile, file: vectors.path, "cannot read the index's vectors: \(error)")
            }
            guard file.metadata["build_id"] == manifest.buildID else {
                throw DataError(.badValue, file: vectors.path, "the vectors belong to another build than \(url.lastPathComponent) (interrupted write?); rebuild the index")
            }
            let tensor = try file.tensor("embeddings")
            guard tensor.shape == [manifest.chunks.count, dimension] else {
                throw DataError(.badValue, file: vectors.path, "embeddings of shape \(tensor.shape), expected [\(manifest.chunks.count), \(dimension)]")
            }
            embeddings = tensor
        }
        do {
            try self.init(chunks: manifest.chunks, chunking: manifest.chunking, embeddings: embeddings, embedderIdentity: manifest.embedder)
        } catch let error as KnowledgeError {
            throw DataError(.badValue, file: url.path, error.message)
        }
    }
}
