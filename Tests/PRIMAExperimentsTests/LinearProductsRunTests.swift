import Foundation
import PRIMAData
@testable import PRIMAExperiments
import PRIMATensor
import PRIMATestSupport
import Testing

/// `CrossValidation.Configuration.linearProducts` (the examples' `--linear-products`): the run trains and scores
/// inside the scope, the choice is part of its settings, and a shared stage trained in one precision is not
/// reused by a run of the other.
@Suite struct LinearProductsRunTests {
    private final class ScopeLog: @unchecked Sendable {
        var seen: Set<String> = []
    }

    @Test func runTrainsInsideTheScopeAndKeysItsSettings() throws {
        let output = TemporaryDirectory()
        var harness = try TinyPADUFES.harness(output: output.url, epochs: 1, folds: 2)
        var configuration = harness.configuration
        configuration.linearProducts = .bfloat16
        harness = try CrossValidation(samples: TinyPADUFES.samples, classNames: TinyPADUFES.classNames,
                                      configuration: configuration)
        harness.logger.logLevel = .warning
        let log = ScopeLog()
        harness.observer = { _ in log.seen.insert(LinearProductsScope.current?.rawValue ?? "none") }
        let result = try harness.run(TinyPADUFES.experiment())
        #expect(log.seen == ["bfloat16"])
        #expect(result.settings["run.linear_products"] == "bfloat16")
        #expect(LinearProductsScope.current == nil)

        // The same folder without the scope is another run: refused, naming the setting.
        let plain = try TinyPADUFES.harness(output: output.url, epochs: 1, folds: 2)
        do {
            _ = try plain.run(TinyPADUFES.experiment())
            Issue.record("a Float32 run resumed a bf16 run's folder")
        } catch let error as ExperimentError {
            #expect(error.kind == .incompatibleRun)
            #expect(error.message.contains("run.linear_products"))
        }
        // A run without the option keeps the settings it always had (no key), so earlier folders still resume.
        let fresh = TemporaryDirectory()
        let unscoped = try TinyPADUFES.harness(output: fresh.url, epochs: 1, folds: 2).run(TinyPADUFES.experiment())
        #expect(unscoped.settings["run.linear_products"] == nil)
    }

    @Test func sharedStageFoldersDifferByTheProductsInEffect() throws {
        let stage = try #require(try TinyMethod.experiment().runStages.first)
        let root = URL(fileURLWithPath: "/tmp/unused")
        let plain = RunStageRunner.outputFolder(of: stage, in: root)
        let bf16 = withLinearProducts(.bfloat16) { RunStageRunner.outputFolder(of: stage, in: root) }
        let f32 = withLinearProducts(.float32) { RunStageRunner.outputFolder(of: stage, in: root) }
        #expect(Set([plain, bf16, f32]).count == 3)
        #expect(withLinearProducts(.bfloat16) { RunStageRunner.settings(of: stage)["linear_products"] } == "bfloat16")
        #expect(RunStageRunner.settings(of: stage) == stage.fingerprint)
    }
}
