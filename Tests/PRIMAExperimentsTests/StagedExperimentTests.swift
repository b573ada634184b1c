import Foundation
import PRIMAData
@testable import PRIMAExperiments
import PRIMANN
import PRIMATensor
import Testing

/// A stage that records what it trained on, writes one file, and reports two named losses.
final class RecordingStage: FoldStage, @unchecked Sendable {
    let name: String
    private(set) var runs: [(fold: Int, ids: [String], previous: [String])] = []
    var failOnFold: Int?

    init(name: String) { self.name = name }

    var fingerprint: [String: String] { ["kind": "recording"] }

    func run(_ input: StageInput, output: URL, onEpoch: (StageEpochRecord) -> Void) throws -> [StageEpochRecord] {
        runs.append((input.fold, input.train.map(\.id), input.previousOutputs.keys.sorted()))
        try Data("weights of fold \(input.fold)".utf8).write(to: output.appendingPathComponent("weights.bin"))
        if failOnFold == input.fold { throw ExperimentError(.interrupted, "stopped inside the stage") }
        let records = (0..<2).map { StageEpochRecord(epoch: $0, losses: ["total": 1.0 / Double($0 + 1), "part": 0.5]) }
        records.forEach(onEpoch)
        return records
    }

    func evaluateHeldOut(_ input: StageInput, trained: URL?, samples: [DatasetSample]) throws -> [String: Double] {
        ["held_out_count": Double(samples.count), "trained": trained == nil ? 0 : 1]
    }
}

/// A staged experiment of two recording stages and the tiny classifier, whose trainer reports named losses.
struct RecordingStagedExperiment: StagedFoldExperiment {
    let first = RecordingStage(name: "first"), second = RecordingStage(name: "second")
    var name: String { "staged" }
    var title: String { "Staged" }
    var fingerprint: [String: String] { ["kind": "staged"] }
    var stages: [any FoldStage] { [first, second] }

    func makeTrainer(for context: FoldContext, stageOutputs: [String: URL]) throws -> any FoldTrainer {
        // The classifier starts from what the stages wrote.
        for stage in ["first", "second"] {
            guard let folder = stageOutputs[stage], FileManager.default.fileExists(atPath: folder.appendingPathComponent("weights.bin").path) else {
                throw ExperimentError(.io, "stage \(stage) output missing")
            }
        }
        return NamedLossTrainer(try TinyPADUFES.experiment().makeTrainer(for: context))
    }
}

/// Wraps a trainer and reports its loss under two names.
final class NamedLossTrainer: FoldTrainer {
    let inner: any FoldTrainer
    private var last: [String: Double] = [:]
    init(_ inner: any FoldTrainer) { self.inner = inner }
    var model: Module { inner.model }
    var optimizer: (any Optimizer)? { inner.optimizer }
    var scheduler: LearningRateScheduler? { inner.scheduler }
    var stepsPerEpoch: Int { inner.stepsPerEpoch }
    func trainEpoch(_ epoch: Int, onStep: (Int, Double) -> Void) throws -> Double {
        let loss = try inner.trainEpoch(epoch, onStep: onStep)
        last = ["cross_entropy": loss, "twice": 2 * loss]
        return loss
    }
    func predict(_ samples: [DatasetSample]) throws -> Tensor { try inner.predict(samples) }
    var lastEpochLosses: [String: Double] { last }
}

@Suite struct StagedExperimentTests {
    @Test("stages train on the fold's training split only, are cached in the fold folder and skipped on resume")
    func stagesRunOnTrainingSplitAndResume() throws {
        let output = TemporaryDirectory()
        let harness = try TinyPADUFES.harness(output: output.url, epochs: 2, folds: 2)
        let experiment = RecordingStagedExperiment()
        let assignment = try harness.foldAssignment()
        let result = try harness.run(experiment)

        #expect(experiment.first.runs.count == 2 && experiment.second.runs.count == 2)
        for run in experiment.first.runs + experiment.second.runs {
            let context = try harness.foldContext(run.fold, assignment: assignment)
            let heldOut = Set((context.validation + context.test).map(\.id))
            #expect(Set(run.ids) == Set(context.train.map(\.id)))
            #expect(heldOut.isDisjoint(with: run.ids))
        }
        #expect(experiment.second.runs.allSatisfy { $0.previous == ["first"] })
        for fold in result.folds {
            let stages = try #require(fold.stages)
            #expect(stages.map(\.stage) == ["first", "second"])
            #expect(stages[0].trainCount == fold.trainCount)
            #expect(stages[0].heldOutBefore == ["held_out_count": Double(fold.testCount), "trained": 0])
            #expect(stages[0].heldOutAfter["trained"] == 1)
            #expect(stages[0].history.map(\.losses["total"]) == [1.0, 0.5])
            // Named losses of the classifier's epochs.
            #expect(fold.history.allSatisfy { $0.trainLosses["twice"] == 2 * $0.trainLoss })
            let folder = RunDirectory(root: output.url, experiment: "staged").foldDirectory(fold.fold)
            #expect(FileManager.default.fileExists(atPath: StageRunner.recordFile("second", in: folder).path))
        }
        // The stages' settings are part of the run's fingerprint.
        #expect(result.settings["stage.first.kind"] == "recording")

        // Resuming a fold whose stages are complete skips them.
        let folder = RunDirectory(root: output.url, experiment: "staged")
        try FileManager.default.removeItem(at: folder.resultFile(1))
        var again = harness
        let log = EventLog()
        again.observer = log.record
        let second = RecordingStagedExperiment()
        let resumed = try again.run(second)
        #expect(second.first.runs.isEmpty && second.second.runs.isEmpty)
        let skipped = log.events.compactMap { event -> String? in
            if case let .stageFinished(p, record, true) = event { return "\(p.fold):\(record.stage)" } else { return nil }
        }
        #expect(skipped == ["1:first", "1:second"])
        #expect(resumed.folds[1].stages == result.folds[1].stages)
    }

    @Test("a stage stopped half-way leaves no complete folder and is redone")
    func interruptedStageIsRedone() throws {
        let output = TemporaryDirectory()
        let harness = try TinyPADUFES.harness(output: output.url, epochs: 1, folds: 2)
        let experiment = RecordingStagedExperiment()
        experiment.second.failOnFold = 0
        #expect(throws: ExperimentError.self) { try harness.run(experiment) }
        let fold = RunDirectory(root: output.url, experiment: "staged").foldDirectory(0)
        #expect(FileManager.default.fileExists(atPath: StageRunner.recordFile("first", in: fold).path))
        #expect(!FileManager.default.fileExists(atPath: StageRunner.outputFolder("second", in: fold).path))

        let retry = RecordingStagedExperiment()
        let result = try harness.run(retry)
        #expect(retry.first.runs.map(\.fold) == [1])
        #expect(retry.second.runs.map(\.fold) == [0, 1])
        #expect(result.folds.allSatisfy { $0.stages?.count == 2 })
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fold.path).filter { $0.hasSuffix(".partial") }
        #expect(leftovers.isEmpty)
    }

    @Test("epoch records and fold results written before named losses and stages existed still read")
    func oldFilesDecode() throws {
        let record = EpochRecord(epoch: 0, trainLoss: 1, validationLoss: 2, validationMacroF1: 0.5, validationAccuracy: 0.5,
                                 validationBalancedAccuracy: 0.5)
        var object = try JSONSerialization.jsonObject(with: JSONCoding.encoder.encode(record)) as! [String: Any]
        object["trainLosses"] = nil
        let old = try JSONCoding.decoder.decode(EpochRecord.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old == record && old.trainLosses.isEmpty)
        let named = EpochRecord(epoch: 1, trainLoss: 1, validationLoss: 2, validationMacroF1: 0.5, validationAccuracy: 0.5,
                                validationBalancedAccuracy: 0.5, trainLosses: ["a": 0.25])
        #expect(try JSONCoding.decoder.decode(EpochRecord.self, from: JSONCoding.encoder.encode(named)) == named)
    }
}
