// prima-fuzz: feeds mutated copies of the committed test fixtures to every file parser of the package, far
// longer than the fuzz tests of the suite do (those run a few hundred inputs per parser on fixed seeds).
//
// Usage (from the repository root):
//   swift run -c release prima-fuzz [--seed N] [--iterations N] [--timeout SECONDS] [parser ...]
//
// Parsers: tokenizer, bert-config, modernbert-config, dinov3-config, qwen3-config, schema, csv, png, jpeg,
// safetensors (default: all). Each gets `--iterations` inputs (default 10000) from `InputMutator` seeded
// with `--seed` (default 1) and the parser's index, so a run is reproducible from its arguments.
//
// Outcome: every input must parse or throw. A trap ends the process (non-zero exit) after a signal handler
// has written the input to `$TMPDIR/prima-fuzz-crash.bin` and its parser and iteration to stderr, so a
// crash can be replayed. An input that takes longer than `--timeout` seconds (default 10) is saved the same
// way and the process exits with status 2. Exit 0: no crash, no hang; counts are printed.
import Foundation
import PRIMAData
import PRIMAFusion
import PRIMATensor
import PRIMATestSupport
import PRIMAText
import PRIMAVision

struct Options {
    var seed: UInt64 = 1
    var iterations = 10_000
    var timeout = 10.0
    var parsers: [String] = []

    @MainActor init(_ arguments: [String]) {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            func value() -> String {
                guard let v = rest.popFirst() else { fail("\(argument) needs a value") }
                return v
            }
            switch argument {
            case "--seed": seed = UInt64(value()) ?? { fail("--seed takes a non-negative integer") }()
            case "--iterations": iterations = Int(value()).flatMap { $0 > 0 ? $0 : nil } ?? { fail("--iterations takes a positive integer") }()
            case "--timeout": timeout = Double(value()).flatMap { $0 > 0 ? $0 : nil } ?? { fail("--timeout takes positive seconds") }()
            case "-h", "--help":
                print("usage: prima-fuzz [--seed N] [--iterations N] [--timeout SECONDS] [parser ...]\nparsers: \(targets.map(\.name).joined(separator: " "))")
                exit(0)
            default: parsers.append(argument)
            }
        }
    }
}

/// Prints a line unbuffered, so that progress survives a crash.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("prima-fuzz: \(message)\n".utf8))
    exit(64)
}

/// One parser: its seed files (relative to the repository root), whether they are PNG, and how to parse.
struct Target {
    let name: String
    let seeds: [String]
    var png = false
    let parse: (Data, URL) throws -> Void  // the input, and a scratch folder for parsers that read files
}

let repository = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
let images = "Tests/PRIMADataTests/Fixtures/images/"
let textFixtures = "Tests/PRIMATextTests/Fixtures/"
let bounded = ImageDecodingOptions(maximumPixelCount: 20_000_000)

let targets: [Target] = [
    Target(name: "tokenizer", seeds: [textFixtures + "bert_tiny/tokenizer.json", textFixtures + "escaped_vocabulary_tokenizer.json",
                                      textFixtures + "modernbert_bpe_tokenizer.json"]) { data, _ in
        let tokenizer = try Tokenizer(data: data)
        _ = tokenizer.decode(tokenizer.encode("Hello, world: a lesion of 3 mm on the left forearm.").ids)
    },
    Target(name: "bert-config", seeds: [textFixtures + "bert_tiny/config.json", textFixtures + "bert_tiny_mlm/config.json"]) { data, folder in
        try data.write(to: folder.appendingPathComponent("config.json"))
        _ = try BERTConfig(contentsOf: folder.appendingPathComponent("config.json"))
    },
    Target(name: "modernbert-config", seeds: [textFixtures + "modernbert_tiny/config.json", textFixtures + "modernbert_tiny_bias/config.json"]) { data, folder in
        try data.write(to: folder.appendingPathComponent("config.json"))
        _ = try ModernBERTConfig(contentsOf: folder.appendingPathComponent("config.json"))
    },
    Target(name: "dinov3-config", seeds: ["Tests/PRIMAVisionTests/Fixtures/dinov3_keybias/config.json",
                                          "Tests/PRIMAVisionTests/Fixtures/dinov3_plain_reg4/config.json"]) { data, folder in
        let url = folder.appendingPathComponent("config.json")
        try data.write(to: url)
        _ = try DINOv3Config(contentsOf: url)
    },
    Target(name: "qwen3-config", seeds: ["Tests/PRIMAFusionTests/Fixtures/qwen3_tied/config.json",
                                         "Tests/PRIMAFusionTests/Fixtures/qwen3_sliding/config.json"]) { data, folder in
        let url = folder.appendingPathComponent("config.json")
        try data.write(to: url)
        try Qwen3Config(contentsOf: url).validate()
    },
    Target(name: "schema", seeds: []) { data, folder in
        let url = folder.appendingPathComponent("schema.json")
        try data.write(to: url)
        _ = try MetadataSchema(contentsOf: url)
    },
    Target(name: "csv", seeds: []) { data, _ in _ = try CSVTable(data: data, fileName: "fuzz.csv") },
    Target(name: "png", seeds: ["rgb8.png", "rgb8_interlaced.png", "palette4.png", "grey16.png", "rgba8.png"].map { images + $0 },
           png: true) { data, _ in
        _ = try PNGDecoder.decode(data, options: bounded)
        _ = try PNGDecoder.decode(data, options: ImageDecodingOptions(maximumPixelCount: 20_000_000, minimumSide: 3))
    },
    Target(name: "jpeg", seeds: ["baseline.jpg", "progressive.jpg", "grey.jpg", "orientation6.jpg", "photo64x48.jpg"].map { images + $0 }) { data, _ in
        _ = try JPEGDecoder.decode(data, options: bounded)
        _ = try JPEGDecoder.decode(data, options: ImageDecodingOptions(maximumPixelCount: 20_000_000, minimumSide: 2))
    },
    Target(name: "safetensors", seeds: [textFixtures + "bert_tiny/model.safetensors"]) { data, folder in
        let url = folder.appendingPathComponent("fuzz.safetensors")
        try data.write(to: url)
        _ = try SafeTensorsFile(contentsOf: url).tensors()
    },
]

/// Seeds made in code for the parsers without a fixture file.
func generatedSeeds(_ name: String) throws -> [Data] {
    switch name {
    case "schema": return [try JSONEncoder().encode(PADUFES.schema)]
    case "csv":
        return [Data(CSVWriter.text(header: PADUFES.columns, rows: [PADUFES.columns.map { _ in "1" }, PADUFES.columns.map { "\"\($0)\"" }]).utf8)]
    default: return []
    }
}

let scratch = FileManager.default.temporaryDirectory
let crashFile = scratch.appendingPathComponent("prima-fuzz-crash.bin")

/// The input being parsed and its label, in memory that a signal handler may read (inputs over the buffer's
/// 64 MB are saved truncated).
enum CurrentInput {
    static let capacity = 64 << 20
    nonisolated(unsafe) static let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    nonisolated(unsafe) static var count = 0
    nonisolated(unsafe) static let label = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
    nonisolated(unsafe) static let path = strdup(crashFile.path)!

    static func set(_ data: Data, label text: String) {
        count = min(data.count, capacity)
        data.copyBytes(to: bytes, count: count)
        let utf8 = Array(text.utf8.prefix(254)) + [0x0A, 0]
        utf8.withUnsafeBufferPointer { label.update(from: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), count: utf8.count) }
    }

    /// Writes the input to the crash file and its label to stderr, with async-signal-safe calls only.
    static func save() {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
            _ = write(fd, bytes, count)
            close(fd)
        }
        let prefix = "prima-fuzz: input saved in the crash file: "
        _ = prefix.withCString { write(2, $0, strlen($0)) }
        _ = write(2, label, strlen(label))
    }
}

for signalNumber in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] {
    signal(signalNumber) { received in
        CurrentInput.save()
        signal(received, SIG_DFL)
        raise(received)
    }
}

/// Start time (ns) of the input being parsed, 0 between inputs; read by the watchdog.
final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var started: UInt64 = 0
    private var label = ""

    func begin(_ label: String) { lock.lock(); started = DispatchTime.now().uptimeNanoseconds; self.label = label; lock.unlock() }
    func end() { lock.lock(); started = 0; lock.unlock() }

    func watch(timeout: Double) {
        Thread.detachNewThread {
            while true {
                Thread.sleep(forTimeInterval: 0.5)
                self.lock.lock()
                let started = self.started, label = self.label
                self.lock.unlock()
                if started > 0, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 > timeout {
                    say("HANG: \(label) took more than \(timeout) s; input saved in \(crashFile.path)")
                    CurrentInput.save()
                    exit(2)
                }
            }
        }
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let unknown = options.parsers.filter { name in !targets.contains { $0.name == name } }
if !unknown.isEmpty { fail("unknown parser(s) \(unknown.joined(separator: ", ")); known: \(targets.map(\.name).joined(separator: " "))") }
let chosen = targets.enumerated().filter { options.parsers.isEmpty || options.parsers.contains($0.element.name) }
let watchdog = Watchdog()
watchdog.watch(timeout: options.timeout)
let folder = scratch.appendingPathComponent("prima-fuzz-\(ProcessInfo.processInfo.processIdentifier)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

say("prima-fuzz seed \(options.seed), \(options.iterations) inputs per parser")
for (index, target) in chosen {
    let seeds: [Data]
    do {
        seeds = try target.seeds.map { try Data(contentsOf: repository.appendingPathComponent($0)) } + generatedSeeds(target.name)
    } catch {
        fail("cannot read the seed files of \(target.name) (run from the repository root): \(error)")
    }
    let start = DispatchTime.now().uptimeNanoseconds
    var mutator = InputMutator(seed: options.seed &* 1_000_003 &+ UInt64(index))
    var parsed = 0, refused = 0
    for iteration in 0..<options.iterations {
        let input = mutator.mutate(seeds[iteration % seeds.count], png: target.png)
        let label = "\(target.name) seed \(options.seed) iteration \(iteration)"
        CurrentInput.set(input, label: label)
        watchdog.begin(label)
        do {
            try target.parse(input, folder)
            parsed += 1
        } catch {
            refused += 1
        }
        watchdog.end()
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    say(target.name.padding(toLength: 18, withPad: " ", startingAt: 0)
          + String(format: "%8d inputs  parsed %7d  refused %7d  %8.1f s", options.iterations, parsed, refused, seconds))
}
try? FileManager.default.removeItem(at: folder)
say("no crash, no hang")
