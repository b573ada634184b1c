import Foundation
import PRIMATensor

/// A stage that runs once per run, before any fold, and sees no fold's samples (PRIMA's stage 1: refining the
/// text encoder on a knowledge corpus, which needs no labels). Its output folder is shared by every fold — and by
/// every experiment of the output folder whose stage has the same ``fingerprint`` — and is handed to the fold
/// stages (``StageInput/previousOutputs``) and to the classifier (`stageOutputs`) under ``name``.
///
/// The harness keeps the stage's work folder across restarts: a stage stopped half-way is given the same folder
/// again and may continue from what it left there (a checkpoint). When ``run(work:onEpoch:)`` returns, the
/// harness writes `stage.json` into the folder and renames it into place; from then on the stage is complete.
public protocol RunStage {
    /// A short name: the key of the stage's output and the start of its folder's name.
    var name: String { get }
    /// Every setting that changes what the stage produces; part of the fingerprint of the runs that use it and
    /// of its folder's name.
    var fingerprint: [String: String] { get }
    /// Trains and writes the stage's files into `work` (empty, or holding what a stopped run of the same stage left).
    /// - Parameters:
    ///   - work: the stage's folder, kept across restarts until the stage completes.
    ///   - onEpoch: call after each epoch with its record, once the epoch is saved so that a restart continues
    ///     after it; an error it throws (the run was interrupted) must stop the stage.
    /// - Returns: the stage's record (``StageRecord/seconds`` is filled in by the harness).
    func run(work: URL, onEpoch: (StageEpochRecord) throws -> Void) throws -> StageRecord
}

/// Runs the ``RunStage``s of a run into `<output>/shared-stages/<name>-<digest>/`, skipping complete ones.
///
/// The digest is taken over the stage's fingerprint, so two experiments (PRIMA and its ablations) share a stage
/// they run with the same settings, and a stage with other settings gets a folder of its own. Work happens in
/// `.<name>-<digest>.partial/`, which survives a kill so that the stage can resume from it.
public struct RunStageRunner {
    /// The stages, in order.
    public let stages: [any RunStage]
    /// The run's output folder.
    public let root: URL

    /// A runner of `stages` under the output folder `root`.
    public init(stages: [any RunStage], root: URL) {
        self.stages = stages
        self.root = root
    }

    /// The folder of the shared stages.
    public static func sharedFolder(in root: URL) -> URL { root.appendingPathComponent("shared-stages", isDirectory: true) }

    /// The complete output folder of `stage` under `root`.
    public static func outputFolder(of stage: any RunStage, in root: URL) -> URL {
        sharedFolder(in: root).appendingPathComponent("\(stage.name)-\(digest(settings(of: stage)))", isDirectory: true)
    }

    /// The work folder of `stage` while it runs.
    public static func workFolder(of stage: any RunStage, in root: URL) -> URL {
        sharedFolder(in: root).appendingPathComponent(".\(stage.name)-\(digest(settings(of: stage))).partial", isDirectory: true)
    }

    /// Runs (or skips) each stage.
    /// - Parameters:
    ///   - onStart: called before a stage trains.
    ///   - onEpoch: called after each epoch of a stage; an error it throws stops the stage (resumable).
    ///   - onFinish: called with each stage's record and whether it was already complete.
    /// - Returns: each stage's output folder by name.
    /// - Throws: ``ExperimentError`` for duplicate names or unwritable folders, or what a stage throws.
    public func run(onStart: (String) throws -> Void = { _ in }, onEpoch: (String, StageEpochRecord) throws -> Void = { _, _ in },
                    onFinish: (StageRecord, Bool) throws -> Void = { _, _ in }) throws -> [String: URL] {
        guard Set(stages.map(\.name)).count == stages.count else {
            throw ExperimentError(.invalidOption, "run stage names must be distinct: \(stages.map(\.name))")
        }
        var outputs: [String: URL] = [:]
        for stage in stages {
            let target = Self.outputFolder(of: stage, in: root)
            let marker = target.appendingPathComponent("stage.json")
            if FileManager.default.fileExists(atPath: marker.path) {
                try onFinish(try RunDirectory.readJSON(StageRecord.self, from: marker), true)
                outputs[stage.name] = target
                continue
            }
            try onStart(stage.name)
            let work = Self.workFolder(of: stage, in: root)
            try RunDirectory.createDirectory(work)
            try RunDirectory.writeJSON(Self.settings(of: stage), to: work.appendingPathComponent("settings.json"))
            let start = Date()
            let made = try stage.run(work: work) { try onEpoch(stage.name, $0) }
            let record = StageRecord(stage: made.stage, trainCount: made.trainCount, history: made.history,
                                     heldOutBefore: made.heldOutBefore, heldOutAfter: made.heldOutAfter,
                                     seconds: Date().timeIntervalSince(start))
            try RunDirectory.writeJSON(record, to: work.appendingPathComponent("stage.json"))
            try? FileManager.default.removeItem(at: target)
            do { try FileManager.default.moveItem(at: work, to: target) } catch {
                throw ExperimentError(.io, "cannot move the finished stage \(stage.name) into \(target.path): \(error.localizedDescription)")
            }
            outputs[stage.name] = target
            try onFinish(record, false)
        }
        return outputs
    }

    /// The stage's fingerprint plus the linear layers' products when a scope sets them
    /// (`withLinearProducts(_:_:)`, e.g. ``CrossValidation/Configuration/linearProducts``): a stage trained in
    /// bf16 is not the Float32 one, and runs of either precision sharing an output folder must not reuse each other's.
    static func settings(of stage: any RunStage) -> [String: String] {
        guard let products = LinearProductsScope.current else { return stage.fingerprint }
        return stage.fingerprint.merging(["linear_products": products.rawValue]) { $1 }
    }

    /// Eight hex digits of an FNV-1a hash of the fingerprint's sorted `key=value` lines.
    static func digest(_ fingerprint: [String: String]) -> String {
        let h = ContentDigest.of(fingerprint.sorted(by: { $0.key < $1.key }).map({ "\($0.key)=\($0.value)\n" }).joined()).value
        return String(format: "%08x", UInt32(truncatingIfNeeded: h ^ (h >> 32)))
    }
}
