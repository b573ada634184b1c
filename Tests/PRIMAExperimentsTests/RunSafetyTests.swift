import Foundation
import PRIMAData
@testable import PRIMAExperiments
import PRIMATensor
import Testing

/// The message of the error `body` throws, and its kind.
private func experimentError(_ body: () throws -> Void) -> ExperimentError? {
    do { try body() } catch let error as ExperimentError { return error } catch { return ExperimentError(.io, "\(error)") }
    return nil
}

@Suite("Divergence")
struct DivergenceTests {
    @Test("a NaN in the first epoch says there is no checkpoint to go back to")
    func nanInFirstEpoch() throws {
        let output = TemporaryDirectory()
        let error = experimentError { _ = try TinyPADUFES.harness(output: output.url, epochs: 3).run(DivergingExperiment(learningRate: 10)) }
        #expect(error?.kind == .diverged)
        let message = error?.message ?? ""
        #expect(message.contains("fold 1, epoch 1") && message.contains("nan"), "\(message)")
        #expect(message.contains("no checkpoint") && !message.contains("is kept"), "\(message)")
        #expect(message.contains("learning rate 10 is too high"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: RunDirectory(root: output.url, experiment: "diverging").checkpointFile(0).path))
    }

    @Test("a NaN after a good epoch names that epoch's checkpoint, which exists")
    func nanAfterGoodEpoch() throws {
        let output = TemporaryDirectory()
        let error = experimentError {
            _ = try TinyPADUFES.harness(output: output.url, epochs: 3).run(DivergingExperiment(divergesAt: 1, learningRate: 1e-3))
        }
        let message = error?.message ?? ""
        #expect(error?.kind == .diverged)
        #expect(message.contains("epoch 2") && message.contains("last good epoch (1) is kept"), "\(message)")
        #expect(FileManager.default.fileExists(atPath: RunDirectory(root: output.url, experiment: "diverging").checkpointFile(0).path))
    }

    @Test("strong weight decay is named as the likely cause, not the learning rate")
    func weightDecayNamed() throws {
        let output = TemporaryDirectory()
        let error = experimentError {
            _ = try TinyPADUFES.harness(output: output.url, epochs: 2).run(DivergingExperiment(learningRate: 0.01, weightDecay: 50))
        }
        let message = error?.message ?? ""
        #expect(message.contains("weight decay 50 is too strong"), "\(message)")
        #expect(!message.contains("learning rate 0.01 is too high"), "\(message)")
    }

    @Test("a finite loss above 10 × ln K stops the run as diverged; one below does not")
    func finiteBlowUp() throws {
        let limit = 10 * log(6.0)
        let output = TemporaryDirectory()
        let error = experimentError {
            _ = try TinyPADUFES.harness(output: output.url, epochs: 2).run(DivergingExperiment(loss: 28_000, learningRate: 10))
        }
        #expect(error?.kind == .diverged)
        #expect(error?.message.contains("above the divergence limit of 17.9") == true, "\(error?.message ?? "")")
        let calm = TemporaryDirectory()
        #expect(throws: Never.self) {
            _ = try TinyPADUFES.harness(output: calm.url, epochs: 1).run(DivergingExperiment(loss: limit - 0.01, learningRate: 1e-3))
        }
        // The limit can be switched off; NaN still stops.
        let lenientOutput = TemporaryDirectory()
        var configuration = CrossValidation.Configuration(folds: 3, epochs: 1, seed: 1, validationFraction: 0.25, outputDirectory: lenientOutput.url)
        configuration.divergenceLossFactor = nil
        let lenient = try CrossValidation(samples: TinyPADUFES.samples, classNames: TinyPADUFES.classNames, configuration: configuration)
        #expect(throws: Never.self) { _ = try lenient.run(DivergingExperiment(loss: 28_000)) }
    }

    @Test("learning rate 10 on a real baseline is stopped as diverged instead of reported")
    func learningRateTen() throws {
        let output = TemporaryDirectory()
        let error = experimentError { _ = try TinyPADUFES.harness(output: output.url, epochs: 3).run(TinyPADUFES.experiment(learningRate: 10)) }
        #expect(error?.kind == .diverged, "\(error?.message ?? "no error")")
        #expect(error?.message.contains("learning rate 10 is too high") == true, "\(error?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: output.url.appendingPathComponent("tiny/fold-1/result.json").path))
    }

    @Test("a learning rate times weight decay of 1 or more is refused before training")
    func decayProductRefused() {
        let error = experimentError { try TrainingSettings(learningRate: 0.5, weightDecay: 2).validate() }
        #expect(error?.kind == .invalidOption && error?.message.contains("below 1") == true)
    }
}

@Suite("Datasets that cannot fill the folds")
struct ClassCoverageTests {
    @Test("a class without samples is an error before anything is written")
    func emptyClass() throws {
        let output = TemporaryDirectory()
        let target = output.url.appendingPathComponent("run")
        let withoutMEL = TinyPADUFES.samples.filter { TinyPADUFES.classNames[$0.label] != "MEL" }
        let error = experimentError {
            _ = try CrossValidation(samples: withoutMEL, classNames: TinyPADUFES.classNames, configuration: .init(folds: 3, epochs: 1, outputDirectory: target))
        }
        #expect(error?.kind == .invalidOption)
        #expect(error?.message.contains("class 'MEL' has no samples") == true, "\(error?.message ?? "")")
        let none = experimentError {
            _ = try CrossValidation(samples: [], classNames: TinyPADUFES.classNames, configuration: .init(folds: 3, epochs: 1, outputDirectory: target))
        }
        #expect(none?.message.contains("no samples") == true)
        #expect(!FileManager.default.fileExists(atPath: target.path))
    }

    @Test("a class with fewer patients than folds is warned about, naming the class and the counts")
    func rareClassWarned() throws {
        let output = TemporaryDirectory()
        let harness = try TinyPADUFES.harness(output: output.url, folds: 3)
        let patients = Dictionary(grouping: TinyPADUFES.samples, by: \.label).mapValues { Set($0.map(\.patientID)).count }
        let rare = TinyPADUFES.classNames.indices.filter { patients[$0, default: 0] < 3 }
        #expect(harness.coverageWarnings.count == rare.count)
        for c in rare {
            #expect(harness.coverageWarnings.contains { $0.contains("class '\(TinyPADUFES.classNames[c])' has \(patients[c]!) patients, fewer than the 3 folds") })
        }
        let manyFolds = try TinyPADUFES.harness(output: output.url, folds: 50)
        #expect(manyFolds.coverageWarnings.count == TinyPADUFES.classNames.count)
    }

    @Test("folds that cannot be made leave no output folder holding only a lock")
    func refusedRunLeavesNoLock() throws {
        let output = TemporaryDirectory()
        let target = output.url.appendingPathComponent("run")
        let harness = try CrossValidation(samples: TinyPADUFES.samples, classNames: TinyPADUFES.classNames,
                                          configuration: .init(folds: 50, epochs: 1, outputDirectory: target))
        #expect(throws: ExperimentError.self) { try harness.run(TinyPADUFES.experiment()) }
        #expect(!FileManager.default.fileExists(atPath: target.path))
    }
}

@Suite("Leftovers of killed runs")
struct LeftoverTests {
    @Test("temporary files of an interrupted atomic write are removed by the next run")
    func staleTemporaryFilesRemoved() throws {
        let output = TemporaryDirectory()
        var first = try TinyPADUFES.harness(output: output.url, epochs: 2)
        first.interruption = { if case let .epochFinished(p, _, _, _, _) = $0 { return p.fold == 1 } else { return false } }
        _ = try? first.run(TinyPADUFES.experiment())
        let directory = RunDirectory(root: output.url, experiment: "tiny")
        let stale = [directory.foldDirectory(0).appendingPathComponent(".best.safetensors.tmp-4242-17"),
                     directory.foldDirectory(1).appendingPathComponent(".checkpoint.safetensors.tmp-4242-18"),
                     directory.experimentDirectory.appendingPathComponent(".results.json.tmp-4242-19")]
        for url in stale { try Data("partial".utf8).write(to: url) }
        _ = try TinyPADUFES.harness(output: output.url, epochs: 2).run(TinyPADUFES.experiment())
        for url in stale { #expect(!FileManager.default.fileExists(atPath: url.path), "\(url.lastPathComponent)") }
    }

    @Test("a synthetic dataset's partial folder from a dead process is removed; a live process's is kept")
    func abandonedPartialsRemoved() throws {
        let root = TemporaryDirectory()
        let name = "synthetic-pad-ufes-20-\(DatasetCache.generatorVersion)-n30-seed4"
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = root.url.appendingPathComponent(".\(name).partial-\(finished.processIdentifier)")
        let live = root.url.appendingPathComponent(".\(name).partial-\(getppid())")
        for url in [dead, live] { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        let folder = try DatasetCache.syntheticPADUFES(imageCount: 30, seed: 4, in: root.url)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("metadata.csv").path))
        #expect(!FileManager.default.fileExists(atPath: dead.path))
        #expect(FileManager.default.fileExists(atPath: live.path))
    }
}

@Suite("Comparison of a run folder")
struct ComparisonMergeTests {
    /// The tiny experiment under another name and title.
    struct Renamed: FoldExperiment {
        let inner: ClassifierExperiment
        let name: String
        var title: String { "Tiny " + name }
        var fingerprint: [String: String] { inner.fingerprint }
        func makeTrainer(for context: FoldContext) throws -> any FoldTrainer { try inner.makeTrainer(for: context) }
    }

    @Test("running a folder again with fewer experiments keeps the others' rows in results and table")
    func subsetKeepsOthers() throws {
        let output = TemporaryDirectory()
        let a = Renamed(inner: TinyPADUFES.experiment(), name: "method-a"), b = Renamed(inner: TinyPADUFES.experiment(), name: "method-b")
        let suite = ExperimentSuite(datasetName: "tiny", harness: try TinyPADUFES.harness(output: output.url, epochs: 1, folds: 2))
        let full = try suite.run([a, b])
        let before = try Data(contentsOf: output.url.appendingPathComponent("results.json"))

        let subset = try suite.run([a])
        #expect(subset.results.map(\.experiment) == ["method-a"])
        let comparison = try JSONCoding.decoder.decode(ResultsFiles.Comparison.self,
                                                      from: Data(contentsOf: output.url.appendingPathComponent("results.json")))
        #expect(comparison.experiments == full.results)
        #expect(try Data(contentsOf: output.url.appendingPathComponent("results.json")) == before)
        let table = try String(contentsOf: output.url.appendingPathComponent("table.txt"), encoding: .utf8)
        #expect(table.contains("Tiny method-a") && table.contains("Tiny method-b"))
        #expect(subset.tables == full.tables)
        let csv = try String(contentsOf: output.url.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(csv.contains("method-b,mean"))
    }
}
