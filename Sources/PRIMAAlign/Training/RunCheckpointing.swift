import Foundation
import PRIMAData
import PRIMANN

/// The checkpoint bookkeeping shared by the stage-2 trainers: a checkpoint records its stage, the epoch history
/// and what identifies the run, and a resume refuses a checkpoint of another stage or another run, by field.
struct RunCheckpointing {
    /// The `stage` metadata value.
    let stage: String
    /// Fields a resumed run must share with the saved one (data order, schedule length, objective…).
    let run: [String: String]

    /// `run` plus what identifies the loader's batches: seed, batch size and a hash of the sample ids; and, for a
    /// data-parallel run, the number of ranks (`world_size`; absent means 1), since each rank's slice of a batch
    /// depends on it.
    init(stage: String, loader: TwoViewLoader, run: [String: String], worldSize: Int = 1) {
        self.stage = stage
        var fields = run
        if worldSize > 1 { fields["world_size"] = String(worldSize) }
        fields["loader_seed"] = String(loader.configuration.seed)
        fields["batch_size"] = String(loader.configuration.batchSize)
        fields["sample_ids"] = String(Self.fingerprint(loader.samples.map(\.id)))
        self.run = fields
    }

    /// A checkpoint of `model`'s trainable weights, the optimiser and schedule, `progress` and `history`.
    func checkpoint(model: Module, loop: OptimizationLoop, progress: TrainingProgress, history: [TrainingEpochSummary]) throws -> TrainingCheckpoint {
        var metadata = run
        metadata["stage"] = stage
        metadata["history"] = String(decoding: try JSONEncoder().encode(history), as: UTF8.self)
        return TrainingCheckpoint(model: model, trainableWeightsOnly: true, optimizer: loop.optimizer, scheduler: loop.scheduler,
                                  progress: progress, metadata: metadata)
    }

    /// Reads `url`, checks it belongs to this stage and run, restores `model`, the optimiser and the schedule.
    /// - Returns: the saved progress and history.
    func resume(from url: URL, model: Module, loop: OptimizationLoop) throws -> (TrainingProgress, [TrainingEpochSummary]) {
        let saved = try TrainingCheckpoint(contentsOf: url)
        guard saved.metadata["stage"] == stage else {
            throw CheckpointError(path: url.path, "stage is \(saved.metadata["stage"].map { "\"\($0)\"" } ?? "missing"), expected \"\(stage)\"")
        }
        let savedWorldSize = saved.metadata["world_size"] ?? "1"
        guard savedWorldSize == run["world_size"] ?? "1" else {
            throw CheckpointError(path: url.path, "world_size is \(savedWorldSize) in the checkpoint, \(run["world_size"] ?? "1") in this run; resume with the same number of ranks")
        }
        for (field, value) in run.sorted(by: { $0.key < $1.key }) where saved.metadata[field] != value {
            throw CheckpointError(path: url.path, "\(field) is \(saved.metadata[field].map { "\"\($0)\"" } ?? "missing") in the checkpoint, \"\(value)\" in this run; resuming would not continue the same run")
        }
        let history: [TrainingEpochSummary]
        do {
            history = try JSONDecoder().decode([TrainingEpochSummary].self, from: Data((saved.metadata["history"] ?? "").utf8))
        } catch {
            throw CheckpointError(path: url.path, "metadata history is not a list of epoch summaries: \(error)")
        }
        try saved.restore(model: model, optimizer: loop.optimizer, scheduler: loop.scheduler, source: url.path)
        return (saved.progress, history)
    }

    /// A stable hash of strings (FNV-1a), to compare sample lists without storing them.
    static func fingerprint(_ strings: [String]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for s in strings {
            for byte in s.utf8 + [0] { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        }
        return h
    }
}
