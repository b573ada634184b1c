import Foundation
@testable import PRIMAExperiments
import Testing

/// What stage 3's feature file saves a resumed fold: the process CPU time of making fold 1's stage-3 trainer with the
/// features computed (stage-2 network loaded, every sample encoded, the file written) and read back from the file, three
/// times each, on the tiny PRIMA of ``TinyMethod``. A measurement, so it runs only when `PRIMA_SLOW_TESTS` is set:
/// `PRIMA_SLOW_TESTS=1 swift test --filter FusionFeatureCacheCostTests`.
@Suite struct FusionFeatureCacheCostTests {
    /// User plus system CPU seconds of the process so far (less sensitive than wall time to other processes).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PRIMA_SLOW_TESTS"] != nil))
    func readingBackCostsLessThanComputing() throws {
        let output = TemporaryDirectory()
        var harness = try TinyPADUFES.harness(output: output.url, epochs: 1, folds: 2)
        harness.interruption = { if case let .epochFinished(p, record, _, _, _) = $0 { return p.fold == 0 && record.epoch == 0 } else { return false } }
        let experiment = try TinyMethod.experiment()
        #expect(throws: ExperimentError.self) { try harness.run(experiment) }
        let folds = RunDirectory(root: output.url, experiment: "prima")
        let context = try harness.foldContext(0, assignment: try harness.foldAssignment(), directory: folds)
        var outputs = [KnowledgeStage.outputName: RunStageRunner.outputFolder(of: experiment.runStages[0], in: output.url)]
        for stage in experiment.stages { outputs[stage.name] = StageRunner.outputFolder(stage.name, in: folds.foldDirectory(0)) }
        let file = folds.foldDirectory(0).appendingPathComponent(FusionFeatureCache.fileName)
        var computed: [Double] = [], readBack: [Double] = []
        for _ in 0..<3 {
            try FileManager.default.removeItem(at: file)
            var start = Self.cpuSeconds()
            let fresh = try #require(try experiment.makeTrainer(for: context, stageOutputs: outputs) as? FusionFoldTrainer)
            computed.append(Self.cpuSeconds() - start)
            start = Self.cpuSeconds()
            let resumed = try #require(try experiment.makeTrainer(for: context, stageOutputs: outputs) as? FusionFoldTrainer)
            readBack.append(Self.cpuSeconds() - start)
            #expect(!fresh.featuresWereCached && resumed.featuresWereCached)
        }
        let bytes = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0
        print("stage-3 features of \(context.train.count)+\(context.validation.count)+\(context.test.count) samples, file \(bytes) bytes: "
              + "CPU seconds computed \(computed), read back \(readBack)")
        #expect(readBack.min()! < computed.min()!)
    }
}
