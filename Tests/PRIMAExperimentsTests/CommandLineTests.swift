import Foundation
import PRIMAData
import PRIMAExperiments
import PRIMAVision
import Testing

/// Runs the example executables as a user would and checks that bad options and bad data end with a
/// one-line `error:` message and a non-zero status, never a crash trace.
@Suite("Example executables reject bad input")
struct CommandLineTests {
    /// The folder of the built products (the test bundle sits next to the executables).
    static func executable(_ name: String) throws -> URL {
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL,
                          Bundle.main.bundleURL.deletingLastPathComponent()]
        candidates += candidates.map { $0.deletingLastPathComponent() }
        for directory in candidates {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw ExperimentError(.io, "\(name) not found next to the tests (looked in \(candidates.map(\.path)))")
    }

    /// A process of `name` with `arguments`, its cache at `cache`, not started.
    static func process(_ name: String, _ arguments: [String], cache: URL) throws -> Process {
        let process = Process()
        process.executableURL = try executable(name)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PRIMA_CACHE"] = cache.path
        process.environment = environment
        return process
    }

    /// Runs `name` with `arguments`; returns its status and standard error.
    static func run(_ name: String, _ arguments: [String], cache: URL) throws -> (status: Int32, stderr: String) {
        let result = try runCapturingOutput(name, arguments, cache: cache)
        return (result.status, result.stderr)
    }

    /// Runs `name` with `arguments`; returns its status, standard output and standard error.
    static func runCapturingOutput(_ name: String, _ arguments: [String], cache: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = try process(name, arguments, cache: cache)
        // Standard output goes to a file, so that a long output can never fill a pipe while stderr is read.
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("prima-stdout-\(UUID().uuidString).txt")
        guard FileManager.default.createFile(atPath: outputFile.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: outputFile.path])
        }
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let output = try FileHandle(forWritingTo: outputFile)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try output.close()
        return (process.terminationStatus, try String(contentsOf: outputFile, encoding: .utf8), String(decoding: data, as: UTF8.self))
    }

    static let cases: [(tool: String, arguments: [String], message: String)] = [
        ("prima-padufes", ["--epochs", "0"], "--epochs must be between 1 and 100000, got 0"),
        ("prima-padufes", ["--folds", "1"], "--folds must be between 2 and 50, got 1"),
        ("prima-padufes", ["--learning-rate=-1"], "--learning-rate must be a positive number"),
        ("prima-padufes", ["--validation-fraction", "0.9"], "--validation-fraction must be in (0, 0.5]"),
        ("prima-padufes", ["--data-dir", "/nonexistent/pad-ufes-20"], "--data-dir /nonexistent/pad-ufes-20: no such folder"),
        ("prima-padufes", ["--vision-checkpoint", "/nonexistent/dinov3"], "--vision-checkpoint /nonexistent/dinov3: no such folder"),
        ("prima-padufes", ["--class-weighting", "heavy"], "heavy"),
        ("prima-padufes", ["--baseline", "prima-everything"], "prima-everything"),
        ("prima-padufes", ["--knowledge-epochs", "0"], "--knowledge-epochs must be at least 1, got 0"),
        ("prima-padufes", ["--fusion-epochs", "0"], "--fusion-epochs must be at least 1, got 0"),
        ("prima-padufes", ["--fusion-class-words", "carcinoma,,keratosis"], "--fusion-class-words: word 2 is empty"),
        ("prima-aqua", ["--knowledge-corpus", "/nonexistent/corpus.jsonl"], "--knowledge-corpus /nonexistent/corpus.jsonl: no such file"),
        ("prima-aqua", ["--llm-checkpoint", "/nonexistent/qwen3"], "--llm-checkpoint /nonexistent/qwen3: no such folder"),
        ("prima-padufes", ["--epochs", "ten"], "ten"),
        ("prima-aqua", ["--batch-size", "0"], "--batch-size must be between 1 and 65536, got 0"),
        ("prima-aqua", ["--synthetic-patients", "3"], "--synthetic-patients must be at least 20, got 3"),
        // Negative numbers are values, not options.
        ("prima-padufes", ["--epochs", "-1"], "--epochs must be between 1 and 100000, got -1"),
        ("prima-padufes", ["--learning-rate", "-0.5"], "--learning-rate must be a positive number"),
        ("prima-aqua", ["--synthetic-patients", "-3"], "--synthetic-patients must be at least 20, got -3"),
        ("prima-padufes", ["--seed", "-1"], "-1"),
        ("prima-padufes", ["--epochs"], "Missing value for '--epochs <epochs>'"),
        ("prima-padufes", ["--no-such-option"], "Unknown option '--no-such-option'"),
        ("prima-padufes", ["--output", ""], "--output must name a folder, got an empty path"),
        ("prima-aqua", ["--cache-dir", " "], "--cache-dir must name a folder, got an empty path"),
        ("prima-padufes", ["--learning-rate", "0.5", "--weight-decay", "4"], "--learning-rate × --weight-decay must be below 1"),
    ]

    @Test("bad options end with one error line naming the problem and a non-zero status", arguments: 0..<cases.count)
    func badOptions(_ index: Int) throws {
        let (tool, arguments, message) = Self.cases[index]
        let cache = TemporaryDirectory()
        let (status, stderr) = try Self.run(tool, arguments, cache: cache.url)
        #expect(status != 0)
        #expect(stderr.contains(message), "\(tool) \(arguments): \(stderr)")
        #expect(stderr.hasPrefix("error: ") && stderr.split(separator: "\n").count == 1, "\(tool) \(arguments): \(stderr)")
        #expect(!stderr.contains("Usage:") && !stderr.contains("Fatal error") && !stderr.contains("Stack dump"))
    }

    @Test("--help still prints the usage on standard output and succeeds")
    func help() throws {
        let cache = TemporaryDirectory()
        let result = try Self.runCapturingOutput("prima-padufes", ["--help"], cache: cache.url)
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: prima-padufes") && result.stdout.contains("--allow-outside-data-dir"), "\(result.stdout)")
        #expect(result.stderr.isEmpty)
    }

    @Test("a data folder without the dataset's files ends with one error line naming the file")
    func badData() throws {
        let folder = TemporaryDirectory()
        try "patient_id,lesion_id\n".write(to: folder.url.appendingPathComponent("metadata.csv"), atomically: true, encoding: .utf8)
        for tool in ["prima-padufes", "prima-aqua"] {
            let (status, stderr) = try Self.run(tool, ["--data-dir", folder.url.path, "--quiet",
                                                       "--output", folder.url.appendingPathComponent("out").path], cache: folder.url)
            #expect(status == 1)
            #expect(stderr.hasPrefix("error: "), "\(tool): \(stderr)")
            #expect(stderr.contains(tool == "prima-padufes" ? "metadata.csv" : "manifest.csv") || stderr.contains("schema.json"), "\(tool): \(stderr)")
            #expect(stderr.split(separator: "\n").count == 1, "\(tool): \(stderr)")
        }
    }

    @Test("a metadata file with a header and no rows is refused before the output folder (or its lock) is made")
    func headerOnlyData() throws {
        let folder = TemporaryDirectory()
        let header = PADUFES.columns.joined(separator: ",") + "\n"
        try header.write(to: folder.url.appendingPathComponent("metadata.csv"), atomically: true, encoding: .utf8)
        let output = folder.url.appendingPathComponent("out")
        let (status, stderr) = try Self.run("prima-padufes", ["--data-dir", folder.url.path, "--quiet", "--output", output.path], cache: folder.url)
        #expect(status == 1)
        #expect(stderr.hasPrefix("error: ") && stderr.contains("no samples") && stderr.split(separator: "\n").count == 1, "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test("a manifest path leading out of --data-dir is refused unless --allow-outside-data-dir is given")
    func dataOutsideFolder() throws {
        let folder = TemporaryDirectory()
        let root = folder.url.appendingPathComponent("data")
        try SyntheticAQUA.write(to: root, .init(patientCount: 20, seed: 1, imageSides: 16...24))
        let manifestURL = root.appendingPathComponent("manifest.csv")
        let manifest = try CSVTable(contentsOf: manifestURL)
        let first = manifest.rows[0].cells[try manifest.columnIndex("image_path")]
        try FileManager.default.moveItem(at: root.appendingPathComponent(first), to: folder.url.appendingPathComponent("outside.png"))
        let text = try String(contentsOf: manifestURL, encoding: .utf8)
        try text.replacingOccurrences(of: first + ",", with: "../outside.png,").write(to: manifestURL, atomically: true, encoding: .utf8)
        let common = ["--data-dir", root.path, "--quiet", "--folds", "2", "--epochs", "1", "--baseline", "image-only"]
        let refused = try Self.run("prima-aqua", common + ["--output", folder.url.appendingPathComponent("out1").path], cache: folder.url)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("error: manifest.csv, line 2 (record 1), column 'image_path': '../outside.png' leads outside"), "\(refused.stderr)")
        let allowed = try Self.run("prima-aqua", common + ["--allow-outside-data-dir", "--output", folder.url.appendingPathComponent("out2").path],
                                   cache: folder.url)
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }

    @Test("checkpoints are read from safetensors only: a folder with only PyTorch pickle weights is refused")
    func pickleCheckpointRefused() throws {
        let folder = TemporaryDirectory()
        let checkpoint = folder.url.appendingPathComponent("dinov3")
        try FileManager.default.createDirectory(at: checkpoint, withIntermediateDirectories: true)
        try JSONEncoder().encode(TinyEncoders.visionConfig).write(to: checkpoint.appendingPathComponent("config.json"))
        try Data("PK\u{3}\u{4} pickled code".utf8).write(to: checkpoint.appendingPathComponent("pytorch_model.bin"))
        let (status, stderr) = try Self.run("prima-padufes", ["--vision-checkpoint", checkpoint.path, "--output", folder.url.appendingPathComponent("out").path],
                                            cache: folder.url)
        #expect(status != 0)
        #expect(stderr.contains("has no .safetensors weights"), "\(stderr)")
    }

    @Test("an output folder of another run is refused, not mixed in")
    func otherRunRefused() throws {
        let folder = TemporaryDirectory()
        let output = folder.url.appendingPathComponent("out")
        let common = ["--quiet", "--output", output.path, "--synthetic-images", "40", "--folds", "2", "--baseline", "image-only"]
        let first = try Self.run("prima-padufes", common + ["--epochs", "1"], cache: folder.url)
        #expect(first.status == 0, "\(first.stderr)")
        let second = try Self.run("prima-padufes", common + ["--epochs", "2"], cache: folder.url)
        #expect(second.status == 1)
        #expect(second.stderr.contains("run.epochs: saved 1, now 2"), "\(second.stderr)")
    }

    @Test("a checkpoint folder with unusable weights ends with one error line naming the option and the folder")
    func badCheckpointFolder() throws {
        let folder = TemporaryDirectory()
        let checkpoint = folder.url.appendingPathComponent("dinov3")
        try FileManager.default.createDirectory(at: checkpoint, withIntermediateDirectories: true)
        try JSONEncoder().encode(TinyEncoders.visionConfig).write(to: checkpoint.appendingPathComponent("config.json"))
        try Data("not safetensors".utf8).write(to: checkpoint.appendingPathComponent("model.safetensors"))
        let (status, stderr) = try Self.run("prima-padufes", ["--quiet", "--synthetic-images", "40", "--vision-checkpoint", checkpoint.path,
                                                              "--output", folder.url.appendingPathComponent("out").path], cache: folder.url)
        #expect(status == 1)
        #expect(stderr.hasPrefix("error: --vision-checkpoint \(checkpoint.path)"), "\(stderr)")
        #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")
    }

    @Test("--baseline prima runs the three stages end to end on a --knowledge-corpus file and leaves each stage's files")
    func primaEndToEnd() throws {
        let folder = TemporaryDirectory()
        let output = folder.url.appendingPathComponent("out")
        let corpus = try KnowledgeCorpusFileTests.writeCorpus(in: folder) { $0[0].summary = "A clinic's own wording." }
        let run = try Self.runCapturingOutput("prima-padufes", [
            "--quiet", "--output", output.path, "--synthetic-images", "40", "--folds", "2", "--epochs", "1", "--baseline", "prima",
            "--knowledge-epochs", "1", "--align-epochs", "1", "--supervised-epochs", "1", "--fusion-epochs", "1",
            "--knowledge-corpus", corpus.path], cache: folder.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("PRIMA"), "\(run.stdout)")
        let shared = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("shared-stages").path)
        #expect(shared.count == 1 && shared[0].hasPrefix("knowledge-"), "\(shared)")
        let settings = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: output.appendingPathComponent("prima/run.json")))
        #expect(settings["run_stage.knowledge.corpus"] == corpus.standardizedFileURL.path, "\(settings)")
        for fold in 1...2 {
            for file in ["stage-alignment/stage.json", "stage-supervised/stage.json", "result.json"] {
                #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("prima/fold-\(fold)/\(file)").path), "fold \(fold): \(file)")
            }
        }
    }

    @Test("a --knowledge-corpus file with a bad entry ends with one error line naming the file and the line, before any data is made")
    func badKnowledgeCorpus() throws {
        let folder = TemporaryDirectory()
        let corpus = try KnowledgeCorpusFileTests.writeCorpus(in: folder)
        var lines = try String(contentsOf: corpus, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = "{\"id\": 7}"
        try lines.joined(separator: "\n").write(to: corpus, atomically: true, encoding: .utf8)
        for tool in ["prima-padufes", "prima-aqua"] {
            let (status, stderr) = try Self.run(tool, ["--quiet", "--output", folder.url.appendingPathComponent("out").path,
                                                       "--knowledge-corpus", corpus.path], cache: folder.url)
            #expect(status != 0)
            #expect(stderr.hasPrefix("error: --knowledge-corpus: \(corpus.path), line 2: not a knowledge entry"), "\(tool): \(stderr)")
            #expect(stderr.split(separator: "\n").count == 1, "\(tool): \(stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["corpus.jsonl"])
    }

    @Test("the removed colour-statistics stand-in is refused as an unknown --baseline")
    func placeholderBaselineRemoved() throws {
        let folder = TemporaryDirectory()
        let run = try Self.run("prima-padufes", ["--quiet", "--output", folder.url.appendingPathComponent("out").path,
                                                 "--baseline", "placeholder"], cache: folder.url)
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("error: ") && run.stderr.contains("placeholder"), "\(run.stderr)")
    }
}
