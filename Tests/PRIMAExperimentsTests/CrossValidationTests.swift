import Foundation
import PRIMAData
@testable import PRIMAExperiments
import PRIMATestSupport
import Testing

@Suite("Cross-validation harness")
struct CrossValidationTests {
    @Test("every fold completes; test folds partition the samples; metrics match the predictions")
    func foldsComplete() throws {
        let output = TemporaryDirectory()
        let harness = try TinyPADUFES.harness(output: output.url)
        let result = try harness.run(TinyPADUFES.experiment())
        #expect(result.folds.count == 3)
        let tested = result.folds.flatMap(\.sampleIDs)
        #expect(tested.count == TinyPADUFES.samples.count)
        #expect(Set(tested) == Set(TinyPADUFES.samples.map(\.id)))
        for fold in result.folds {
            let recomputed = try ClassificationReport(labels: fold.labels, predictions: fold.predictions, numClasses: 6)
            #expect(recomputed == fold.report)
            #expect(fold.history.count == 3)
            #expect(fold.bestEpoch == EpochRecord.best(of: fold.history)?.epoch)
            #expect(fold.probabilities.allSatisfy { abs($0.reduce(0, +) - 1) < 1e-5 })
            #expect(fold.trainCount + fold.validationCount + fold.testCount == TinyPADUFES.samples.count)
        }
        #expect(abs(result.summary.macroF1.mean - result.folds.map(\.report.macroF1).reduce(0, +) / 3) < Tolerance.metrics)
        #expect(result.confusion.flatMap { $0 }.reduce(0, +) == TinyPADUFES.samples.count)
        // Finished folds keep their result and best weights, not the epoch checkpoint.
        let directory = RunDirectory(root: output.url, experiment: "tiny")
        for k in 0..<3 {
            #expect(FileManager.default.fileExists(atPath: directory.resultFile(k).path))
            #expect(FileManager.default.fileExists(atPath: directory.bestWeightsFile(k).path))
            #expect(!FileManager.default.fileExists(atPath: directory.checkpointFile(k).path))
        }
    }

    @Test("training, validation and test splits share no patient")
    func splitsArePatientDisjoint() throws {
        let output = TemporaryDirectory()
        let harness = try TinyPADUFES.harness(output: output.url)
        let assignment = try harness.foldAssignment()
        #expect(assignment.patientsAreDisjoint)
        for k in 0..<3 {
            let context = try harness.foldContext(k, assignment: assignment)
            let train = Set(context.train.map(\.patientID)), validation = Set(context.validation.map(\.patientID))
            let test = Set(context.test.map(\.patientID))
            #expect(!validation.isEmpty && !train.isEmpty && !test.isEmpty)
            #expect(train.isDisjoint(with: validation) && train.isDisjoint(with: test) && validation.isDisjoint(with: test))
            #expect(context.train.count + context.validation.count + context.test.count == TinyPADUFES.samples.count)
            #expect(context.directory == nil)
        }
    }

    @Test("a run stopped after a finished fold resumes to the same results as an uninterrupted run")
    func resumeAfterFold() throws {
        let reference = TemporaryDirectory(), interrupted = TemporaryDirectory()
        let expected = try TinyPADUFES.harness(output: reference.url).run(TinyPADUFES.experiment())

        var first = try TinyPADUFES.harness(output: interrupted.url)
        first.interruption = { event in
            if case let .foldFinished(p, _) = event { return p.fold == 1 }
            return false
        }
        #expect(throws: ExperimentError.self) { try first.run(TinyPADUFES.experiment()) }

        var second = try TinyPADUFES.harness(output: interrupted.url)
        let log = EventLog()
        second.observer = log.record
        let resumed = try second.run(TinyPADUFES.experiment())
        #expect(log.skippedFolds == [0, 1])
        #expect(log.trainedEpochs.allSatisfy { $0.fold == 2 })
        #expect(resumed == expected)
    }

    @Test("a run stopped in the middle of a fold continues from its last epoch checkpoint to the same results")
    func resumeMidFold() throws {
        let reference = TemporaryDirectory(), interrupted = TemporaryDirectory()
        let expected = try TinyPADUFES.harness(output: reference.url, epochs: 4).run(TinyPADUFES.experiment())

        var first = try TinyPADUFES.harness(output: interrupted.url, epochs: 4)
        first.interruption = { event in
            if case let .epochFinished(p, record, _, _, _) = event { return p.fold == 1 && record.epoch == 1 }
            return false
        }
        do {
            _ = try first.run(TinyPADUFES.experiment())
            Issue.record("the interruption hook did not stop the run")
        } catch let error as ExperimentError {
            #expect(error.kind == .interrupted)
        }
        let directory = RunDirectory(root: interrupted.url, experiment: "tiny")
        #expect(FileManager.default.fileExists(atPath: directory.checkpointFile(1).path))

        var second = try TinyPADUFES.harness(output: interrupted.url, epochs: 4)
        let log = EventLog()
        second.observer = log.record
        let resumed = try second.run(TinyPADUFES.experiment())
        #expect(log.skippedFolds == [0])
        #expect(log.resumedEpochs == [1: 2])
        #expect(log.trainedEpochs.filter { $0.fold == 1 }.map(\.epoch) == [2, 3])
        #expect(resumed == expected)
    }

    @Test("an output folder of a run with other settings is refused with the differences named")
    func incompatibleRunRefused() throws {
        let output = TemporaryDirectory()
        var harness = try TinyPADUFES.harness(output: output.url, epochs: 2)
        harness.interruption = { if case .foldFinished = $0 { return true } else { return false } }
        _ = try? harness.run(TinyPADUFES.experiment())
        let other = try TinyPADUFES.harness(output: output.url, epochs: 3)
        do {
            _ = try other.run(TinyPADUFES.experiment())
            Issue.record("a run with other settings was accepted")
        } catch let error as ExperimentError {
            #expect(error.kind == .incompatibleRun)
            #expect(error.message.contains("run.epochs: saved 2, now 3"))
        }
        let otherFolds = try TinyPADUFES.harness(output: output.url, epochs: 2, folds: 4)
        #expect(throws: ExperimentError.self) { try otherFolds.run(TinyPADUFES.experiment()) }
    }

    @Test("a NaN training loss stops the run with a clear message")
    func divergenceStops() throws {
        let output = TemporaryDirectory()
        let harness = try TinyPADUFES.harness(output: output.url, epochs: 2)
        do {
            _ = try harness.run(DivergingExperiment())
            Issue.record("a diverged run did not stop")
        } catch let error as ExperimentError {
            #expect(error.kind == .diverged)
            #expect(error.message.contains("fold 1, epoch 1"))
            #expect(error.message.contains("nan"))
        }
    }

    @Test("bad harness settings are rejected")
    func badSettings() throws {
        let url = FileManager.default.temporaryDirectory
        for (folds, epochs, fraction) in [(1, 3, 0.2), (5, 0, 0.2), (5, 3, 0.0), (5, 3, 0.6)] {
            #expect(throws: ExperimentError.self) {
                try CrossValidation(samples: TinyPADUFES.samples, classNames: TinyPADUFES.classNames,
                                    configuration: .init(folds: folds, epochs: epochs, validationFraction: fraction, outputDirectory: url))
            }
        }
        #expect(throws: ExperimentError.self) {
            try CrossValidation(samples: TinyPADUFES.samples, classNames: ["a", "b"], configuration: .init(epochs: 1, outputDirectory: url))
        }
    }
}

@Suite("Output folder lock")
struct RunLockTests {
    @Test("a second run cannot write into a folder while the first holds it; the lock ends with the run")
    func exclusive() throws {
        let output = TemporaryDirectory()
        var first = try TinyPADUFES.harness(output: output.url, epochs: 1)
        var secondError: ExperimentError?
        first.interruption = { event in
            // While the first run is inside its first fold, a second run must be refused.
            if case .foldStarted = event, secondError == nil {
                do { _ = try TinyPADUFES.harness(output: output.url, epochs: 1).run(TinyPADUFES.experiment()) } catch let error as ExperimentError {
                    secondError = error
                } catch {}
            }
            return false
        }
        _ = try first.run(TinyPADUFES.experiment())
        #expect(secondError?.kind == .locked)
        #expect(secondError?.message.contains("another run") == true)
        // Released: a later run in the same folder works (and finds every fold finished).
        #expect(try TinyPADUFES.harness(output: output.url, epochs: 1).run(TinyPADUFES.experiment()).folds.count == 3)
    }
}

/// Forwards to another experiment and records the contexts it was given.
final class RecordingExperiment: FoldExperiment {
    let inner: ClassifierExperiment
    private(set) var contexts: [FoldContext] = []
    init(_ inner: ClassifierExperiment) { self.inner = inner }
    var name: String { inner.name }
    var title: String { inner.title }
    var fingerprint: [String: String] { inner.fingerprint }
    func makeTrainer(for context: FoldContext) throws -> any FoldTrainer {
        contexts.append(context)
        return try inner.makeTrainer(for: context)
    }
}

@Suite("Fold context")
struct FoldContextTests {
    @Test("trainers get their fold's folder, its splits, the run's epochs and distinct seeds")
    func contextOfRun() throws {
        let output = TemporaryDirectory()
        let recording = RecordingExperiment(TinyPADUFES.experiment())
        _ = try TinyPADUFES.harness(output: output.url, epochs: 1).run(recording)
        let directory = RunDirectory(root: output.url, experiment: "tiny")
        #expect(recording.contexts.map(\.fold) == [0, 1, 2])
        #expect(recording.contexts.map(\.directory) == (0..<3).map { directory.foldDirectory($0) })
        #expect(recording.contexts.allSatisfy { $0.epochs == 1 && $0.classCount == 6 && $0.foldCount == 3 })
        #expect(Set(recording.contexts.map(\.seed)).count == 3)
    }
}
