import Foundation
import PRIMAData

/// Runs the earlier stages of one fold, each into `<fold folder>/stage-<name>/`, skipping the complete ones.
///
/// A stage writes into `.stage-<name>.partial/`; when it returns, its held-out metrics are measured and
/// `stage.json` (``StageRecord``) is written there, then the folder is renamed to `stage-<name>/`. A folder
/// named `stage-<name>/` holding `stage.json` is therefore complete, whatever moment a run was stopped at; a
/// left-over partial folder is deleted and the stage redone.
public struct StageRunner {
    /// The stages, in order.
    public let stages: [any FoldStage]
    /// The fold: stages see its ``FoldContext/train`` only; its ``FoldContext/test`` samples are used for the
    /// held-out metrics, never for training.
    public let context: FoldContext
    /// The fold's folder.
    public let folder: URL
    /// The outputs of the run's ``RunStage``s, by name: given to every stage as earlier outputs.
    public let runOutputs: [String: URL]

    /// The outcome: each stage's record (in order) and its output folder by name.
    public struct Outcome: Sendable {
        /// The stages' records, in order.
        public let records: [StageRecord]
        /// Each stage's output folder by name, the run stages' included.
        public let outputs: [String: URL]
        /// The stages that were already complete and skipped.
        public let skipped: [String]
    }

    /// A runner of `stages` for the fold `context` in `folder`, after run stages whose outputs are `runOutputs`.
    public init(stages: [any FoldStage], context: FoldContext, folder: URL, runOutputs: [String: URL] = [:]) {
        self.stages = stages
        self.context = context
        self.folder = folder
        self.runOutputs = runOutputs
    }

    /// The completed output folder of a stage.
    public static func outputFolder(_ stage: String, in folder: URL) -> URL {
        folder.appendingPathComponent("stage-\(stage)", isDirectory: true)
    }

    /// The marker file of a complete stage.
    public static func recordFile(_ stage: String, in folder: URL) -> URL {
        outputFolder(stage, in: folder).appendingPathComponent("stage.json")
    }

    /// Runs (or skips) each stage in order.
    /// - Parameters:
    ///   - onStart: called before a stage trains.
    ///   - onEpoch: called after each epoch of a stage.
    ///   - onFinish: called with each stage's record, and whether it was skipped (already complete).
    /// - Throws: ``ExperimentError`` for duplicate stage names and unreadable or unwritable stage folders, or
    ///   what a stage throws.
    public func run(onStart: (String) throws -> Void = { _ in }, onEpoch: (String, StageEpochRecord) -> Void = { _, _ in },
                    onFinish: (StageRecord, Bool) throws -> Void = { _, _ in }) throws -> Outcome {
        guard Set(stages.map(\.name)).count == stages.count else {
            throw ExperimentError(.invalidOption, "stage names must be distinct: \(stages.map(\.name))")
        }
        try RunDirectory.createDirectory(folder)
        var records: [StageRecord] = [], outputs = runOutputs, skipped: [String] = []
        for (index, stage) in stages.enumerated() {
            let input = StageInput(fold: context.fold, train: context.train, classNames: context.classNames,
                                   seed: CrossValidation.mix(context.seed, 0x5354_4147, UInt64(index)), previousOutputs: outputs)
            let target = Self.outputFolder(stage.name, in: folder)
            let marker = Self.recordFile(stage.name, in: folder)
            if FileManager.default.fileExists(atPath: marker.path) {
                let record = try RunDirectory.readJSON(StageRecord.self, from: marker)
                records.append(record)
                outputs[stage.name] = target
                skipped.append(stage.name)
                try onFinish(record, true)
                continue
            }
            try onStart(stage.name)
            let record = try runStage(stage, input: input, target: target) { onEpoch(stage.name, $0) }
            records.append(record)
            outputs[stage.name] = target
            try onFinish(record, false)
        }
        return Outcome(records: records, outputs: outputs, skipped: skipped)
    }

    private func runStage(_ stage: any FoldStage, input: StageInput, target: URL,
                          onEpoch: (StageEpochRecord) -> Void) throws -> StageRecord {
        let manager = FileManager.default
        let partial = folder.appendingPathComponent(".stage-\(stage.name).partial", isDirectory: true)
        // Left-overs of a stopped run: an unfinished partial folder, or a target without its marker.
        try? manager.removeItem(at: partial)
        try? manager.removeItem(at: target)
        try RunDirectory.createDirectory(partial)
        let start = Date()
        let before = try stage.evaluateHeldOut(input, trained: nil, samples: context.test)
        let history = try stage.run(input, output: partial, onEpoch: onEpoch)
        let after = try stage.evaluateHeldOut(input, trained: partial, samples: context.test)
        let record = StageRecord(stage: stage.name, trainCount: input.train.count, history: history, heldOutBefore: before,
                                 heldOutAfter: after, seconds: Date().timeIntervalSince(start))
        try RunDirectory.writeJSON(record, to: partial.appendingPathComponent("stage.json"))
        do { try manager.moveItem(at: partial, to: target) } catch {
            throw ExperimentError(.io, "cannot move the finished stage \(stage.name) into \(target.path): \(error.localizedDescription)")
        }
        return record
    }
}
