import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PRIMAData
@testable import PRIMAExperiments
import PRIMATensor
import Testing

/// Same seed, same command → the same numbers, however the run was split into processes.
@Suite("Reproducible runs")
struct ReproducibilityTests {
    @Test("a text's cached embedding does not depend on which texts were encoded with it, or in what order")
    func textEmbeddingsIndependentOfBatching() throws {
        let texts = Array(Set(TinyEncoders.texts)).sorted()
        #expect(texts.count > 8)
        // Two encoders with the same weights, filled as an uninterrupted run (every text in one order) and as
        // a resumed one (a later fold's texts first, in its own order).
        let uninterrupted = try TinyEncoders.baselines().text!, resumed = try TinyEncoders.baselines().text!
        try uninterrupted.precompute(texts)
        try resumed.precompute(Array(texts.suffix(5).reversed()))
        try resumed.precompute(texts.reversed())
        for text in texts {
            #expect(uninterrupted.embeddings(of: [text]).scalars == resumed.embeddings(of: [text]).scalars, "\(text)")
        }
    }
}

/// Kills the real executable with SIGKILL in the middle of a run and restarts it.
@Suite("Runs killed and restarted")
struct KilledRunTests {
    @Test("prima-padufes killed (SIGKILL) in its second fold and restarted writes the same results.json, byte for byte")
    func killAndResume() throws {
        let folder = TemporaryDirectory()
        let cache = folder.url.appendingPathComponent("cache")
        let reference = folder.url.appendingPathComponent("reference"), killed = folder.url.appendingPathComponent("killed")
        let common = ["--synthetic-images", "30", "--folds", "2", "--epochs", "3", "--batch-size", "16", "--baseline", "image-metadata"]
        let uninterrupted = try CommandLineTests.run("prima-padufes", common + ["--quiet", "--output", reference.path], cache: cache)
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")

        // The first epoch checkpoint of fold 2: fold 1 is finished, so the restart skips it and starts its text
        // cache with fold 2's texts — what made resumed runs differ before.
        let trigger = killed.appendingPathComponent("image-metadata/fold-2/checkpoint.safetensors")
        let process = try CommandLineTests.process("prima-padufes", common + ["--quiet", "--output", killed.path], cache: cache)
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        while process.isRunning && !FileManager.default.fileExists(atPath: trigger.path) { usleep(5_000) }
        let killedInTime = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(killedInTime, "the run ended before its second fold's first checkpoint appeared")
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("results.json").path))

        let restarted = try CommandLineTests.run("prima-padufes", common + ["--output", killed.path], cache: cache)
        #expect(restarted.status == 0, "\(restarted.stderr)")
        #expect(restarted.stderr.contains("fold 1/2: already complete"), "\(restarted.stderr)")
        for file in ["results.json", "results.csv", "image-metadata/results.json"] {
            let expected = try Data(contentsOf: reference.appendingPathComponent(file))
            let actual = try Data(contentsOf: killed.appendingPathComponent(file))
            #expect(expected == actual, "\(file) differs after the kill and restart")
        }
        let leftovers = FileManager.default.enumerator(atPath: killed.path)?.compactMap { $0 as? String }.filter { $0.contains(".tmp-") } ?? []
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
