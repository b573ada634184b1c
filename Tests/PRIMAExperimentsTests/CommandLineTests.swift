import Foundation
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

    /// Runs `name` with `arguments`; returns its status and standard error.
    static func run(_ name: String, _ arguments: [String], cache: URL) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = try executable(name)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PRIMA_CACHE"] = cache.path
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let cases: [(tool: String, arguments: [String], message: String)] = [
        ("prima-padufes", ["--epochs", "0"], "--epochs must be between 1 and 100000, got 0"),
        ("prima-padufes", ["--folds", "1"], "--folds must be between 2 and 50, got 1"),
        ("prima-padufes", ["--learning-rate=-1"], "--learning-rate must be a positive number"),
        ("prima-padufes", ["--validation-fraction", "0.9"], "--validation-fraction must be in (0, 0.5]"),
        ("prima-padufes", ["--data-dir", "/nonexistent/pad-ufes-20"], "--data-dir /nonexistent/pad-ufes-20: no such folder"),
        ("prima-padufes", ["--vision-checkpoint", "/nonexistent/dinov3"], "--vision-checkpoint /nonexistent/dinov3: no such folder"),
        ("prima-padufes", ["--class-weighting", "heavy"], "heavy"),
        ("prima-padufes", ["--baseline", "prima"], "prima"),
        ("prima-padufes", ["--epochs", "ten"], "ten"),
        ("prima-aqua", ["--batch-size", "0"], "--batch-size must be between 1 and 65536, got 0"),
        ("prima-aqua", ["--synthetic-patients", "3"], "--synthetic-patients must be at least 20, got 3"),
    ]

    @Test("bad options get a clear message and a non-zero status", arguments: 0..<cases.count)
    func badOptions(_ index: Int) throws {
        let (tool, arguments, message) = Self.cases[index]
        let cache = TemporaryDirectory()
        let (status, stderr) = try Self.run(tool, arguments, cache: cache.url)
        #expect(status != 0)
        #expect(stderr.contains(message), "\(tool) \(arguments): \(stderr)")
        #expect(!stderr.contains("Fatal error") && !stderr.contains("Stack dump"))
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

    @Test("--baseline placeholder runs the colour-statistics stand-ins in their own folders")
    func placeholderBaselines() throws {
        let folder = TemporaryDirectory()
        let output = folder.url.appendingPathComponent("out")
        let run = try Self.run("prima-padufes", ["--quiet", "--output", output.path, "--synthetic-images", "40", "--folds", "2",
                                                 "--epochs", "1", "--baseline", "placeholder"], cache: folder.url)
        #expect(run.status == 0, "\(run.stderr)")
        for name in ["placeholder-image-only", "placeholder-image-metadata"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("\(name)/results.json").path), "\(name)")
        }
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("image-only").path))
    }
}
