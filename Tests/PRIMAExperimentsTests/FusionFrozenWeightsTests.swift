import Foundation
import PRIMAExperiments
import PRIMANN
import Testing

/// `FusionSettings.frozenWeights`: the bf16 storage of the stage-3 language model's frozen weights.
@Suite struct FusionFrozenWeightsTests {
    @Test func onlyANonDefaultStorageEntersTheFingerprint() {
        var settings = FusionSettings.small
        #expect(settings.frozenWeights == .float32)
        #expect(settings.fingerprint["frozen_weights"] == nil)
        let float32 = settings.fingerprint
        settings.frozenWeights = .bfloat16
        #expect(settings.fingerprint["frozen_weights"] == "bfloat16")
        #expect(settings.fingerprint.filter { $0.key != "frozen_weights" } == float32)
    }
}
