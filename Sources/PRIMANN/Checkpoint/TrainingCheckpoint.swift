import Foundation
import Logging
import PRIMATensor

/// Where a training run stands in its data: what a resumed run needs to continue with the same batches.
public struct TrainingProgress: Sendable, Codable, Equatable {
    /// The current epoch (0-based).
    public var epoch: Int
    /// Batches of the current epoch already consumed.
    public var position: Int
    /// Optimiser steps taken since the start of the run.
    public var globalStep: Int

    /// A position; the defaults are the start of a run.
    public init(epoch: Int = 0, position: Int = 0, globalStep: Int = 0) {
        self.epoch = epoch
        self.position = position
        self.globalStep = globalStep
    }
}

/// Everything needed to resume training exactly: weights, optimiser state, scheduler step, random
/// generators, data position and free-form metadata.
///
/// ## File layout
///
/// One safetensors file, written atomically (temporary file + rename), so a failed or interrupted save
/// never replaces a good checkpoint:
///
/// - tensors `model/<parameter key>`: the weights (float32): all of them, or only the trainable ones
///   (metadata `weights` = `all` or `trainable`) so that a run with a large frozen backbone saves small files;
/// - tensors `optimizer/<slot>/<parameter key>`: optimiser buffers (`exp_avg`, `exp_avg_sq`, `momentum_buffer`);
/// - metadata `format` = `prima-training-checkpoint`, `format_version` = `1`;
/// - metadata `optimizer.kind` and `optimizer.scalars` (JSON object of numbers: hyper-parameters and
///   per-parameter `step/<key>` counts), absent without an optimiser;
/// - metadata `scheduler.step` (absent without a scheduler);
/// - metadata `progress` (JSON ``TrainingProgress``);
/// - metadata `generators` (JSON object: name → four hexadecimal state words). Names `module:<key>` hold
///   the generators of the model's ``RandomStateHolder`` modules (dropout); other names are the caller's
///   (a data-shuffling generator, for example);
/// - metadata `user.<name>`: the caller's ``metadata``.
public struct TrainingCheckpoint: Sendable {
    /// The format marker written into every checkpoint.
    public static let format = "prima-training-checkpoint"
    /// The layout version; loading rejects other versions.
    public static let formatVersion = 1

    /// The model's ``Module/stateDict()``, or its trainable part when ``trainableWeightsOnly``.
    public var weights: [String: Tensor]
    /// True when ``weights`` holds only the parameters that were trainable: restoring then expects the
    /// model's frozen parameters to be loaded already (from the pretrained checkpoint).
    public var trainableWeightsOnly: Bool
    /// The optimiser's state, if one was saved.
    public var optimizer: OptimizerState?
    /// The scheduler's ``LearningRateScheduler/currentStep``, if one was saved.
    public var schedulerStep: Int?
    /// Random generators by name; `module:<key>` for the model's own.
    public var generators: [String: RandomGenerator]
    /// The position in the data.
    public var progress: TrainingProgress
    /// Free-form strings (configuration, git revision, metrics).
    public var metadata: [String: String]

    private static let logger = Logger(label: "PRIMANN.Checkpoint")
    static let modulePrefix = "module:"

    /// A checkpoint from its parts.
    public init(weights: [String: Tensor], trainableWeightsOnly: Bool = false, optimizer: OptimizerState? = nil,
                schedulerStep: Int? = nil, generators: [String: RandomGenerator] = [:], progress: TrainingProgress = .init(),
                metadata: [String: String] = [:]) {
        self.weights = weights
        self.trainableWeightsOnly = trainableWeightsOnly
        self.optimizer = optimizer
        self.schedulerStep = schedulerStep
        self.generators = generators
        self.progress = progress
        self.metadata = metadata
    }

    /// Captures the state of a run: the model's weights and the generators of its dropout layers, the
    /// optimiser and scheduler, the caller's `generators` (which must not start with `module:`), the
    /// data position and metadata. With `trainableWeightsOnly`, frozen parameters are left out.
    public init(model: Module, trainableWeightsOnly: Bool = false, optimizer: (any Optimizer)? = nil,
                scheduler: LearningRateScheduler? = nil, generators: [String: RandomGenerator] = [:],
                progress: TrainingProgress = .init(), metadata: [String: String] = [:]) {
        precondition(!generators.keys.contains { $0.hasPrefix(Self.modulePrefix) }, "generator names starting with \(Self.modulePrefix) are reserved")
        var all = generators
        for (key, generator) in Self.moduleGenerators(of: model) { all[Self.modulePrefix + key] = generator }
        var weights = model.stateDict()
        if trainableWeightsOnly {
            for (key, p) in model.namedParameters() where p.isFrozen { weights[key] = nil }
        }
        self.init(weights: weights, trainableWeightsOnly: trainableWeightsOnly, optimizer: optimizer?.stateDict(),
                  schedulerStep: scheduler?.currentStep, generators: all, progress: progress, metadata: metadata)
    }

    static func moduleGenerators(of model: Module) -> [(String, RandomGenerator)] {
        model.namedModules().compactMap { entry in
            (entry.module as? any RandomStateHolder).map { (entry.key, $0.generator) }
        }
    }

    // MARK: Restoring

    /// Puts the saved state back into a fresh (or the same) model, optimiser and scheduler, all strictly:
    /// the weights must match the model's keys and shapes (its trainable keys for a checkpoint of
    /// ``trainableWeightsOnly``, with the same parameters frozen), the optimiser must be of the saved kind over the
    /// same parameter keys, and every ``RandomStateHolder`` module must have its saved generator.
    ///
    /// Each part is validated before it is changed, the optimiser first, then the weights, then the
    /// generators and the scheduler; after an error, treat the objects as partly restored and discard them.
    /// - Returns: the caller's generators (those not belonging to modules).
    @discardableResult
    public func restore(model: Module, optimizer: (any Optimizer)? = nil, scheduler: LearningRateScheduler? = nil,
                        source: String? = nil) throws -> [String: RandomGenerator] {
        let path = source ?? "<memory>"
        let holders = model.namedModules().compactMap { entry in (entry.module as? any RandomStateHolder).map { (entry.key, $0) } }
        let saved = generators.filter { $0.key.hasPrefix(Self.modulePrefix) }
        let expected = Set(holders.map { Self.modulePrefix + $0.0 })
        guard Set(saved.keys) == expected else {
            throw CheckpointError(path: path, "random generators of modules differ: saved \(saved.keys.sorted()), model has \(expected.sorted())")
        }
        if optimizer != nil && self.optimizer == nil { throw CheckpointError(path: path, "no optimizer state saved") }
        if scheduler != nil && schedulerStep == nil { throw CheckpointError(path: path, "no scheduler step saved") }
        if let optimizer, let state = self.optimizer { try optimizer.loadStateDict(state) }
        if trainableWeightsOnly {
            let named = model.namedParameters()
            let trainable = Set(named.filter { !$0.parameter.isFrozen }.map(\.key))
            let missing = named.map(\.key).filter { trainable.contains($0) && weights[$0] == nil }
            let unexpected = weights.keys.filter { !trainable.contains($0) }.sorted()
            if !missing.isEmpty || !unexpected.isEmpty {
                throw StateDictError(missingKeys: missing, unexpectedKeys: unexpected, shapeMismatches: [], source: source)
            }
            try model.loadStateDict(weights, strict: false, source: source)
        } else {
            try model.loadStateDict(weights, strict: true, source: source)
        }
        for (key, holder) in holders { holder.generator = saved[Self.modulePrefix + key]! }
        if let scheduler, let step = schedulerStep { scheduler.restore(step: step) }
        return generators.filter { !$0.key.hasPrefix(Self.modulePrefix) }
    }

    // MARK: Files

    /// Writes the checkpoint to `url` atomically.
    /// - Throws: ``CheckpointError`` when a weight is NaN or infinite (so a diverged run never overwrites
    ///   the last good checkpoint), or the writer's error.
    public func write(to url: URL) throws {
        for (key, t) in weights where t.withUnsafeBuffer({ $0.contains { !$0.isFinite } }) {
            throw CheckpointError(path: url.path, "weight \(key) holds NaN or infinite values; not saving over the last good checkpoint")
        }
        var tensors: [String: Tensor] = [:]
        for (key, t) in weights { tensors["model/" + key] = t }
        var meta: [String: String] = [
            "format": Self.format,
            "format_version": String(Self.formatVersion),
            "weights": trainableWeightsOnly ? "trainable" : "all",
            "progress": try Self.json(progress),
            "generators": try Self.json(generators.mapValues { $0.state.map { String($0, radix: 16) } }),
        ]
        if let optimizer {
            for (key, t) in optimizer.tensors { tensors["optimizer/" + key] = t }
            meta["optimizer.kind"] = optimizer.kind
            meta["optimizer.scalars"] = try Self.json(optimizer.scalars)
        }
        if let schedulerStep { meta["scheduler.step"] = String(schedulerStep) }
        for (key, value) in metadata { meta["user." + key] = value }
        try SafeTensors.write(tensors, metadata: meta, dtype: .f32, to: url)
        Self.logger.debug("saved checkpoint \(url.path) at step \(progress.globalStep)")
    }

    /// Reads and validates a checkpoint written by ``write(to:)``.
    /// - Throws: the reader's error for a damaged file, ``CheckpointError`` naming the missing or malformed entry.
    public init(contentsOf url: URL) throws {
        let path = url.path
        let file = try SafeTensorsFile(contentsOf: url)
        let meta = file.metadata
        guard meta["format"] == Self.format else {
            throw CheckpointError(path: path, "not a training checkpoint (metadata format is \(meta["format"].map { "\"\($0)\"" } ?? "missing"))")
        }
        guard meta["format_version"] == String(Self.formatVersion) else {
            throw CheckpointError(path: path, "format version \(meta["format_version"] ?? "missing"), expected \(Self.formatVersion)")
        }
        let trainableWeightsOnly: Bool
        switch meta["weights"] {
        case "all": trainableWeightsOnly = false
        case "trainable": trainableWeightsOnly = true
        case let other: throw CheckpointError(path: path, "metadata weights is \(other.map { "\"\($0)\"" } ?? "missing"), expected \"all\" or \"trainable\"")
        }
        var weights: [String: Tensor] = [:], optimizerTensors: [String: Tensor] = [:]
        for key in file.keys {
            if key.hasPrefix("model/") { weights[String(key.dropFirst(6))] = try file.tensor(key) }
            else if key.hasPrefix("optimizer/") { optimizerTensors[String(key.dropFirst(10))] = try file.tensor(key) }
            else { throw CheckpointError(path: path, "unexpected tensor \(key)") }
        }
        var optimizer: OptimizerState?
        if let kind = meta["optimizer.kind"] {
            let scalars: [String: Double] = try Self.decode(meta["optimizer.scalars"], "optimizer.scalars", path: path)
            optimizer = OptimizerState(kind: kind, scalars: scalars, tensors: optimizerTensors)
        } else if !optimizerTensors.isEmpty {
            throw CheckpointError(path: path, "optimizer tensors without optimizer.kind")
        }
        var schedulerStep: Int?
        if let text = meta["scheduler.step"] {
            guard let step = Int(text), step >= 0 else { throw CheckpointError(path: path, "scheduler.step \"\(text)\" is not a step count") }
            schedulerStep = step
        }
        let progress: TrainingProgress = try Self.decode(meta["progress"], "progress", path: path)
        let words: [String: [String]] = try Self.decode(meta["generators"], "generators", path: path)
        var generators: [String: RandomGenerator] = [:]
        for (name, hex) in words {
            let state = hex.compactMap { UInt64($0, radix: 16) }
            guard state.count == hex.count, let generator = try? RandomGenerator(state: state) else {
                throw CheckpointError(path: path, "generator \(name) has a malformed state \(hex)")
            }
            generators[name] = generator
        }
        var user: [String: String] = [:]
        for (key, value) in meta where key.hasPrefix("user.") { user[String(key.dropFirst(5))] = value }
        self.init(weights: weights, trainableWeightsOnly: trainableWeightsOnly, optimizer: optimizer, schedulerStep: schedulerStep, generators: generators,
                  progress: progress, metadata: user)
    }

    private static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func decode<T: Decodable>(_ text: String?, _ name: String, path: String) throws -> T {
        guard let text else { throw CheckpointError(path: path, "metadata \(name) is missing") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw CheckpointError(path: path, "metadata \(name) is malformed: \(error)")
        }
    }
}
