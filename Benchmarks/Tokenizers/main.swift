// prima-tokenizer-bench: tokenizer throughput, one thread, against bench_tokenizers.py on the same corpus.
//
//   prima-tokenizer-bench [fixtures-folder] [seconds]
//       encodes every text of tokenizer_corpus.json with each committed tokenizer and prints sentences/s
//   prima-tokenizer-bench load <tokenizer.json>
//       prints how long reading a tokenizer file takes
//   prima-tokenizer-bench metadata-text [count] [seed]
//       prints PAD-UFES-20 metadata rendered as text (PRIMAData's synthetic records), one per line; used by
//       Scripts/reference/gen_tokenizers.py to build the corpus
import Foundation
import PRIMAData
import PRIMAText

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func printMetadataText(count: Int, seed: UInt64) throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("prima-metadata-text-\(getpid())")
    defer { try? FileManager.default.removeItem(at: root) }
    let records = try SyntheticPADUFES.write(to: root, .init(imageCount: count, seed: seed, imageSides: 8...8))
    let renderer = MetadataTextRenderer(schema: PADUFES.schema)
    for record in records { print(renderer.render(record.metadata)) }
}

struct Corpus: Decodable { let texts: [String] }

func benchmark(fixtures: URL, seconds: Double) throws {
    let corpus = try JSONDecoder().decode(Corpus.self, from: Data(contentsOf: fixtures.appendingPathComponent("tokenizer_corpus.json")))
    print("corpus: \(corpus.texts.count) texts, one thread, encode with special tokens")
    for name in ["minilm_tokenizer", "bert_cased_wordpiece_tokenizer", "modernbert_bpe_tokenizer", "qwen3_bpe_tokenizer"] {
        var tokenizer = try Tokenizer(contentsOf: fixtures.appendingPathComponent(name + ".json"))
        tokenizer.padding = nil
        tokenizer.truncation = nil
        for text in corpus.texts { _ = tokenizer.encode(text) }  // warm-up (fills the BPE cache, as the Python run's does)
        var passes = 0, tokens = 0
        let start = now()
        while now() - start < seconds {
            for text in corpus.texts { tokens += tokenizer.encode(text).count }
            passes += 1
        }
        let rate = Double(passes * corpus.texts.count) / (now() - start)
        // The tokens per pass should equal the Python run's: the same work on both sides.
        print("\(name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(String(format: "%10.0f", rate)) sentences/s  "
              + "(\(tokens / passes) tokens per pass)")
    }
}

func timeLoading(_ file: String) throws {
    let url = URL(fileURLWithPath: file)
    let start = now()
    let tokenizer = try Tokenizer(contentsOf: url)
    print("loaded \(url.lastPathComponent): \(tokenizer.vocabularySize) tokens in \(String(format: "%.0f", (now() - start) * 1000)) ms")
}

let arguments = CommandLine.arguments.dropFirst()
if arguments.first == "load", let file = arguments.dropFirst().first {
    try timeLoading(file)
} else if arguments.first == "metadata-text" {
    let count = arguments.dropFirst().first.flatMap { Int($0) } ?? 400
    let seed = arguments.dropFirst(2).first.flatMap { UInt64($0) } ?? 7
    try printMetadataText(count: count, seed: seed)
} else {
    let folder = arguments.first ?? "Tests/PRIMATextTests/Fixtures"
    let seconds = arguments.dropFirst().first.flatMap { Double($0) } ?? 3
    try benchmark(fixtures: URL(fileURLWithPath: folder), seconds: seconds)
}
