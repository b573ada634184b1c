import Foundation
import PRIMAAlign
import PRIMAData
@testable import PRIMAExperiments
import PRIMAFusion
import PRIMAKnowledge
import PRIMANN
import PRIMATensor
import Testing

/// A run stage that counts its runs and delegates to another.
final class CountingRunStage: RunStage, @unchecked Sendable {
    let inner: any RunStage
    private(set) var runs = 0
    init(_ inner: any RunStage) { self.inner = inner }
    var name: String { inner.name }
    var fingerprint: [String: String] { inner.fingerprint }
    func run(work: URL, onEpoch: (StageEpochRecord) throws -> Void) throws -> StageRecord {
        runs += 1
        return try inner.run(work: work, onEpoch: onEpoch)
    }
}

/// The trainers an experiment made, in order.
final class TrainerLog: @unchecked Sendable {
    var trainers: [any FoldTrainer] = []
}

/// PRIMA with its run stage counted and the fold trainers it made recorded.
struct CountedPRIMA: StagedFoldExperiment {
    let inner: PRIMAExperiment
    let knowledge: CountingRunStage?
    let made = TrainerLog()
    init(_ inner: PRIMAExperiment) {
        self.inner = inner
        knowledge = inner.runStages.first.map(CountingRunStage.init)
    }
    var name: String { inner.name }
    var title: String { inner.title }
    var fingerprint: [String: String] { inner.fingerprint }
    var runStages: [any RunStage] { knowledge.map { [$0] } ?? [] }
    var stages: [any FoldStage] { inner.stages }
    func makeTrainer(for context: FoldContext, stageOutputs: [String: URL]) throws -> any FoldTrainer {
        let trainer = try inner.makeTrainer(for: context, stageOutputs: stageOutputs)
        made.trainers.append(trainer)
        return trainer
    }
    /// Whether each stage-3 trainer made read its features from the fold folder.
    var featuresReadBack: [Bool] { made.trainers.compactMap { ($0 as? FusionFoldTrainer)?.featuresWereCached } }
}

enum TinyMethod {
    static var knowledgeSettings: KnowledgeRefinement.Settings {
        var settings = KnowledgeRefinement.Settings(epochs: 2, batchSize: 16, maxLength: 40, heldOutFraction: 0.1, seed: 0)
        settings.learningRate = 5e-3
        return settings
    }

    /// Stage 3 on the built-in small Qwen3: 2 epochs.
    static var fusion: FusionSettings {
        FusionSettings(training: FusionTrainingSettings(epochs: 2, batchSize: 8, optimization: OptimizationSettings(learningRate: 1e-3, weightDecay: 3e-2)),
                       languageModelSeed: 7)
    }

    /// PRIMA on the tiny encoders: 2 stage-1 epochs on 40 texts of the shipped corpus, 1 alignment and 1 supervised
    /// epoch, then 2 epochs of stage 3 (or a linear head on the aligned encoder without `fusion`).
    static func experiment(_ variant: PRIMAVariant = .full, fusion: FusionSettings? = TinyMethod.fusion) throws -> PRIMAExperiment {
        let encoders = try TinyEncoders.baselines()
        let alignment = AlignmentSettings(epochs: 1, batchSize: 12, learningRate: 3e-3, weightDecay: 1e-2, projectionWidth: 16,
                                          supervisedEpochs: 1, supervisedLearningRate: 1e-2)
        return PRIMAExperiment(vision: encoders.vision, text: encoders.text!, schema: PADUFES.schema, lora: encoders.lora,
                               alignment: alignment, training: TinyEncoders.settings, variant: variant, knowledge: knowledgeSettings,
                               knowledgeTexts: Array(try KnowledgeStage.startingCorpusTexts(classNames: TinyPADUFES.classNames).prefix(40)),
                               fusion: fusion)
    }

    /// The files a finished fold's stages leave.
    static let stageFiles = ["stage-alignment/alignment.safetensors", "stage-alignment/encoder-adapters.safetensors",
                             "stage-alignment/stage.json", "stage-supervised/classifier.safetensors",
                             "stage-supervised/refinement.safetensors", "stage-supervised/encoder-adapters.safetensors",
                             "stage-supervised/stage.json"]

    /// The test predictions of a result, fold by fold.
    static func probabilities(_ result: CrossValidationResult) -> [[[Double]]] { result.folds.map(\.probabilities) }
}

@Suite struct PRIMAMethodTests {
    @Test("PRIMA runs end to end: stage 1 once per run and shared by the folds, stage 2 cached per fold, the supervised step through SupervisedRefinementTrainer")
    func endToEnd() throws {
        let output = TemporaryDirectory()
        let harness = try TinyPADUFES.harness(output: output.url, epochs: 1, folds: 2)
        let experiment = CountedPRIMA(try TinyMethod.experiment())
        let result = try harness.run(experiment)
        #expect(result.experiment == "prima" && result.title == "PRIMA")
        #expect(experiment.knowledge?.runs == 1)
        #expect(result.settings["run_stage.knowledge.epochs"] == "2")
        #expect(result.settings["model.head"] == "qwen3-fusion" && result.settings["fusion.epochs"] == "2")
        // Stage 3 runs its own number of epochs (not the run's --epochs, 1 here), selected by validation.
        #expect(result.folds.allSatisfy { $0.history.count == 2 && $0.history[0].trainLosses["weighted_cross_entropy"] != nil })

        // Stage 1's folder: adapters, their configuration, a record with the held-out MLM loss before and after.
        let shared = try FileManager.default.contentsOfDirectory(atPath: RunStageRunner.sharedFolder(in: output.url).path)
        let knowledgeName = try #require(shared.first { $0.hasPrefix("knowledge-") })
        #expect(shared.count == 1)
        let knowledge = RunStageRunner.sharedFolder(in: output.url).appendingPathComponent(knowledgeName)
        for file in [KnowledgeStage.adaptersFile, KnowledgeStage.loraFile, "stage.json"] {
            #expect(FileManager.default.fileExists(atPath: knowledge.appendingPathComponent(file).path), "\(file)")
        }
        let record = try RunDirectory.readJSON(StageRecord.self, from: knowledge.appendingPathComponent("stage.json"))
        #expect(record.history.map(\.epoch) == [0, 1])
        #expect(record.heldOutBefore["mlm_loss"]?.isFinite == true && record.heldOutAfter["mlm_loss"]?.isFinite == true)

        // Stage 2 reads the refined text encoder: the base encoder's weights with the stage-1 adapters merged.
        let stage = experiment.inner.alignmentStage
        let refined = try stage.textBackbone(for: StageInput(fold: 0, train: [], classNames: [], seed: 0,
                                                             previousOutputs: [KnowledgeStage.outputName: knowledge]))
        #expect(refined.origin.hasSuffix("+knowledge:" + knowledgeName))
        let base = stage.text.encoder.stateDict(), merged = refined.encoder.stateDict()
        #expect(Set(base.keys) == Set(merged.keys))
        #expect(base.contains { key, value in merged[key]!.scalars != value.scalars })

        for fold in result.folds {
            let folder = RunDirectory(root: output.url, experiment: "prima").foldDirectory(fold.fold)
            for file in TinyMethod.stageFiles {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "fold \(fold.fold + 1): \(file)")
            }
            #expect(fold.stages?.map(\.stage) == ["alignment", "supervised"])
            #expect(fold.probabilities.count == fold.testCount)
            // The supervised step's checkpoint is PRIMAAlign's SupervisedRefinementTrainer's.
            let checkpoint = try TrainingCheckpoint(contentsOf: folder.appendingPathComponent("stage-supervised/refinement.safetensors"))
            #expect(checkpoint.metadata["stage"] == SupervisedRefinementTrainer.checkpointStage)
            #expect(checkpoint.progress.epoch == 1)
        }

        // A second run in the same folder finds stage 1 complete and skips it.
        try FileManager.default.removeItem(at: RunDirectory(root: output.url, experiment: "prima").resultFile(1))
        let again = CountedPRIMA(try TinyMethod.experiment())
        let resumed = try harness.run(again)
        #expect(again.knowledge?.runs == 0)
        #expect(TinyMethod.probabilities(resumed) == TinyMethod.probabilities(result))
    }

    @Test("stage 1 stopped after an epoch resumes from its checkpoint and ends as an uninterrupted run")
    func knowledgeStageResumes() throws {
        let (whole, stopped) = (TemporaryDirectory(), TemporaryDirectory())
        let stage = try #require(try TinyMethod.experiment().knowledge)
        let uninterrupted = try RunStageRunner(stages: [stage], root: whole.url).run()

        struct Stop: Error {}
        #expect(throws: Stop.self) {
            _ = try RunStageRunner(stages: [stage], root: stopped.url).run(onEpoch: { _, record in if record.epoch == 0 { throw Stop() } })
        }
        let work = RunStageRunner.workFolder(of: stage, in: stopped.url)
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent(KnowledgeStage.checkpointFile).path))
        let counted = CountingRunStage(stage)
        var epochs: [Int] = []
        let resumed = try RunStageRunner(stages: [counted], root: stopped.url).run(onEpoch: { _, record in epochs.append(record.epoch) })
        #expect(epochs == [1])
        #expect(!FileManager.default.fileExists(atPath: work.path))

        let a = try SafeTensorsFile(contentsOf: uninterrupted["knowledge"]!.appendingPathComponent(KnowledgeStage.adaptersFile)).tensors()
        let b = try SafeTensorsFile(contentsOf: resumed["knowledge"]!.appendingPathComponent(KnowledgeStage.adaptersFile)).tensors()
        #expect(Set(a.keys) == Set(b.keys) && !a.isEmpty)
        for (key, value) in a { #expect(b[key]?.scalars == value.scalars, "\(key)") }
        let recordA = try RunDirectory.readJSON(StageRecord.self, from: uninterrupted["knowledge"]!.appendingPathComponent("stage.json"))
        let recordB = try RunDirectory.readJSON(StageRecord.self, from: resumed["knowledge"]!.appendingPathComponent("stage.json"))
        #expect(recordA.history == recordB.history && recordA.heldOutAfter == recordB.heldOutAfter && recordA.heldOutBefore == recordB.heldOutBefore)
    }

    @Test("a run killed after stage 1, between stage 2's steps and inside stage 3 resumes to the results of an uninterrupted run; the resumed stage 3 reads its features from the fold folder")
    func resumeBetweenStages() throws {
        let (whole, stopped) = (TemporaryDirectory(), TemporaryDirectory())
        let uninterrupted = CountedPRIMA(try TinyMethod.experiment())
        let reference = try TinyPADUFES.harness(output: whole.url, epochs: 1, folds: 2).run(uninterrupted)
        #expect(uninterrupted.featuresReadBack == [false, false])

        var harness = try TinyPADUFES.harness(output: stopped.url, epochs: 1, folds: 2)
        let stops: [(ProgressEvent) -> Bool] = [
            { if case .runStageFinished(_, _, false) = $0 { return true } else { return false } },
            { if case let .stageFinished(p, record, false) = $0 { return p.fold == 0 && record.stage == "alignment" } else { return false } },
            { if case let .stageFinished(p, record, false) = $0 { return p.fold == 1 && record.stage == "supervised" } else { return false } },
            // Inside stage 3: after its first epoch of fold 2.
            { if case let .epochFinished(p, record, _, _, _) = $0 { return p.fold == 1 && record.epoch == 0 } else { return false } },
        ]
        for stop in stops {
            harness.interruption = stop
            #expect(throws: ExperimentError.self) { try harness.run(try TinyMethod.experiment()) }
        }
        harness.interruption = nil
        // Fold 2 stopped inside stage 3 keeps its features; finished fold 1 no longer does.
        let folds = RunDirectory(root: stopped.url, experiment: "prima")
        let features = folds.foldDirectory(1).appendingPathComponent(FusionFeatureCache.fileName)
        #expect(FileManager.default.fileExists(atPath: features.path))
        #expect(!FileManager.default.fileExists(atPath: folds.foldDirectory(0).appendingPathComponent(FusionFeatureCache.fileName).path))
        let featureFile = try SafeTensorsFile(contentsOf: features)
        try checkFeatureKey(of: try TinyMethod.experiment(), harness: harness, folds: folds, saved: featureFile.metadata["key"])

        let log = EventLog()
        harness.observer = log.record
        let resumedExperiment = CountedPRIMA(try TinyMethod.experiment())
        let resumed = try harness.run(resumedExperiment)
        #expect(resumedExperiment.featuresReadBack == [true])
        #expect(!FileManager.default.fileExists(atPath: features.path))
        let skipped = log.events.compactMap { event -> String? in
            switch event {
            case let .runStageFinished(_, record, true): "run:\(record.stage)"
            case let .stageFinished(p, record, true): "\(p.fold):\(record.stage)"
            default: nil
            }
        }
        #expect(skipped == ["run:knowledge", "1:alignment", "1:supervised"])
        #expect(TinyMethod.probabilities(resumed) == TinyMethod.probabilities(reference))
        #expect(resumed.folds.map(\.report) == reference.folds.map(\.report))
        #expect(resumed.folds.map { $0.stages?.map(\.history) } == reference.folds.map { $0.stages?.map(\.history) })
    }

    /// The key of fold 2's stage-3 features is the one saved with them, and changes with what makes them: the views,
    /// a sample's metadata, a byte of an earlier stage's output. A file under another key is not read.
    private func checkFeatureKey(of experiment: PRIMAExperiment, harness: CrossValidation, folds: RunDirectory, saved: String?) throws {
        let context = try harness.foldContext(1, assignment: try harness.foldAssignment(), directory: folds)
        let folder = folds.foldDirectory(1)
        let knowledge = try #require(experiment.runStages.first)
        var outputs = [KnowledgeStage.outputName: RunStageRunner.outputFolder(of: knowledge, in: folds.root)]
        for stage in experiment.stages { outputs[stage.name] = StageRunner.outputFolder(stage.name, in: folder) }
        let splits = [context.train, context.validation, context.test]
        let key = try experiment.fusionFeatureKey(views: 2, splits: splits, stageOutputs: outputs)
        #expect(key == saved)
        let ids = splits.map { $0.map(\.id) }
        #expect(FusionFeatureCache(folder: folder, key: key).load(ids: ids)?.map(\.count) == splits.map(\.count))

        var others = [try experiment.fusionFeatureKey(views: 1, splits: splits, stageOutputs: outputs)]
        var altered = splits
        altered[2][0] = MissingMetadataAnalysis.removing(["age"], from: altered[2][0])
        others.append(try experiment.fusionFeatureKey(views: 2, splits: altered, stageOutputs: outputs))
        let copy = TemporaryDirectory()
        let supervised = copy.url.appendingPathComponent("stage-supervised")
        try FileManager.default.copyItem(at: outputs["supervised"]!, to: supervised)
        let adapters = supervised.appendingPathComponent(AlignmentStage.adaptersFile)
        var bytes = try Data(contentsOf: adapters)
        bytes[bytes.count - 1] ^= 1
        try bytes.write(to: adapters)
        var changedOutputs = outputs
        changedOutputs["supervised"] = supervised
        others.append(try experiment.fusionFeatureKey(views: 2, splits: splits, stageOutputs: changedOutputs))
        #expect(Set(others + [key]).count == 4)
        for other in others { #expect(FusionFeatureCache(folder: folder, key: other).load(ids: ids) == nil) }
        // Samples other than the saved ones are not read under the saved key either.
        #expect(FusionFeatureCache(folder: folder, key: key).load(ids: [ids[0], ids[1], Array(ids[2].dropLast())]) == nil)

        // Written again elsewhere, the features read back bit for bit; a damaged file is not read.
        let loaded = try #require(FusionFeatureCache(folder: folder, key: key).load(ids: ids))
        let cache = FusionFeatureCache(folder: copy.url, key: key)
        try cache.store(loaded)
        let again = try #require(cache.load(ids: ids))
        for (a, b) in zip(loaded, again) {
            #expect(a.labels == b.labels && a.views.map(\.grid) == b.views.map(\.grid) && a.views.count == 2)
            #expect(zip(a.views, b.views).allSatisfy { $0.global.scalars == $1.global.scalars && $0.tokens?.scalars == $1.tokens?.scalars })
            #expect(a.text.cls.scalars == b.text.cls.scalars && a.text.tokens.scalars == b.text.tokens.scalars
                    && a.text.mask.scalars == b.text.mask.scalars && a.text.wordMask.scalars == b.text.wordMask.scalars)
        }
        let written = try Data(contentsOf: cache.url)
        try written.prefix(written.count / 2).write(to: cache.url)
        #expect(cache.load(ids: ids) == nil)
    }

    @Test("stage 1 finds the shipped corpus's entries for both datasets' classes, and names the classes when none fit")
    func corpusForDatasets() throws {
        let pad = try KnowledgeStage.startingCorpusTexts(classNames: PADUFES.schema.label.classes)
        let aqua = try KnowledgeStage.startingCorpusTexts(classNames: AQUA.keratitisSchema.label.classes)
        #expect(!pad.isEmpty && !aqua.isEmpty && Set(pad).isDisjoint(with: aqua))
        #expect(pad.contains { $0.hasPrefix("smoke and MEL:") })
        #expect(aqua.contains { $0.lowercased().contains("fungal") })
        do {
            _ = try KnowledgeStage.startingCorpusTexts(classNames: ["benign", "malignant"])
            Issue.record("no entry is about these classes")
        } catch let error as ExperimentError {
            #expect(error.message.contains("benign, malignant"), "\(error)")
        }
    }

    @Test("the ablations are Table 3's rows, each its own experiment; none of the losses keeps the network as drawn")
    func ablationRows() throws {
        let experiments = try BaselineChoice.experiments([.prima], schema: PADUFES.schema, samples: TinyPADUFES.samples,
                                                         settings: TinyEncoders.settings, seed: 0, ablations: PRIMAVariant.ablations)
        let prima = experiments.compactMap { $0 as? PRIMAExperiment }
        #expect(prima.count == 9)
        #expect(prima.map(\.name) == ["prima", "prima-without_image_consistency", "prima-without_global_semantic",
                                      "prima-without_local_semantic", "prima-without_soft_semantic", "prima-local_semantic_direct",
                                      "prima-supervised_contrastive", "prima-no-knowledge", "prima-no-alignment"])
        #expect(Set(prima.map(\.title)).count == 9)
        #expect(prima[1].title == "PRIMA, w/o L_img")
        #expect(prima.map(\.runStages.count) == [1, 1, 1, 1, 1, 1, 1, 0, 1])
        #expect(prima.map { $0.alignmentStage.objective.terms.count } == [4, 3, 3, 3, 3, 4, 4, 4, 0])
        // Every variant with stage 1 shares one stage-1 folder: the same settings give the same fingerprint.
        let folders = Set(prima.compactMap { $0.runStages.first }.map { RunStageRunner.outputFolder(of: $0, in: URL(fileURLWithPath: "/r")) })
        #expect(folders.count == 1)

        let output = TemporaryDirectory()
        let result = try TinyPADUFES.harness(output: output.url, epochs: 1, folds: 2)
            .run(try TinyMethod.experiment(PRIMAVariant(usesAlignment: false), fusion: nil))
        #expect(result.title == "PRIMA, none of the four losses")
        for fold in result.folds {
            #expect(fold.stages?.first?.history.isEmpty == true)
            #expect(fold.stages?.last?.history.count == 1)
        }
    }
}
