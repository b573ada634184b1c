import Foundation
import PRIMAData
import PRIMANN
import PRIMATensor
import PRIMAText
import PRIMAVision
import Testing
@testable import PRIMAExperiments

/// `--frozen-weights bf16` across the method: the backbones of the baselines and of PRIMA's stages keep their frozen
/// Linear weights in bfloat16, and the choice is part of every fingerprint.
@Suite struct FrozenWeightsSwitchTests {
    @Test func visionBackboneCopiesShareBFloat16Weights() throws {
        let f32 = try VisionBackbone(randomWeights: TinyEncoders.visionConfig, seed: 5)
        let bf16 = try VisionBackbone(randomWeights: TinyEncoders.visionConfig, seed: 5, frozenWeights: .bfloat16)
        #expect(f32.origin == "random:5:16x1")   // unchanged for float32: earlier runs keep their fingerprint
        #expect(bf16.origin == f32.origin + "+frozen-weights:bf16")
        let (a, b) = (bf16.makeEncoder(), bf16.makeEncoder())
        let linearKeys = Set(a.namedModules().filter { $0.module is Linear }.map { $0.key + ".weight" })
        let wide = Dictionary(uniqueKeysWithValues: f32.makeEncoder().namedParameters().map { ($0.key, $0.parameter) })
        let other = Dictionary(uniqueKeysWithValues: b.namedParameters().map { ($0.key, $0.parameter) })
        for (key, p) in a.namedParameters() {
            #expect(p.isFrozen)
            #expect((p.precision == .bfloat16) == linearKeys.contains(key), "\(key)")
            // Two folds' copies read one buffer; its values are the float32 weights rounded.
            if let stored = p.bfloat16Value {
                #expect(stored.storage === other[key]?.bfloat16Value?.storage, "\(key)")
                #expect(stored.bits == BFloat16Tensor(rounding: wide[key]!.value).bits, "\(key)")
            } else {
                #expect(p.value.scalars == wide[key]?.value.scalars, "\(key)")
            }
        }
        // LoRA on top keeps the base in bf16 and trains float32 adapters.
        var rng = RandomGenerator(seed: 1)
        try a.applyLoRA(.dinov3(rank: 2), using: &rng)
        #expect(a.trainableParameters.allSatisfy { $0.precision == .float32 } && !a.trainableParameters.isEmpty)
        #expect(a.namedParameters().contains { $0.parameter.precision == .bfloat16 })
    }

    @Test func textBackboneCopiesAndMaskedLanguageModelStayBFloat16() throws {
        let text = try TextBackbone(randomWeightsSeed: 5, corpus: TinyEncoders.texts, frozenWeights: .bfloat16)
        #expect(text.origin.hasSuffix("+frozen-weights:bf16"))
        let f32 = try TextBackbone(randomWeightsSeed: 5, corpus: TinyEncoders.texts)
        #expect(!f32.origin.contains("frozen-weights"))
        for model in [text.encoder as Module, text.makeEncoderCopy(), try text.makeMaskedLanguageModel(seed: 1)] {
            let linears = model.namedModules().compactMap { $0.module as? Linear }
            #expect(!linears.isEmpty && linears.allSatisfy { $0.weight.precision == .bfloat16 && $0.weight.isFrozen })
        }
        // The bf16 encoder computes with the rounded float32 weights.
        let texts = Array(TinyEncoders.texts.prefix(2))
        let rounded = f32.makeEncoderCopy()
        rounded.storeFrozenWeights(as: .bfloat16)
        let (x, y) = try noGrad { (try text.encoder.encode(texts).tokens, try rounded.encode(texts).tokens) }
        #expect(x.scalars == y.scalars)
    }

    @Test func everyExperimentsFingerprintCarriesTheChoice() throws {
        func fingerprints(_ precision: WeightPrecision) throws -> [[String: String]] {
            let experiments = try BaselineChoice.experiments(BaselineChoice.defaults + [.primaAlignment], schema: PADUFES.schema,
                                                             samples: TinyPADUFES.samples, settings: TinyEncoders.settings, seed: 0,
                                                             frozenWeights: precision)
            var all = experiments.map(\.fingerprint)
            for case let staged as any StagedFoldExperiment in experiments {
                // (The supervised step's own settings name no encoder: its folder lies inside the experiment's, keyed by it.)
                all += staged.stages.filter { $0.name != "supervised" }.map(\.fingerprint) + staged.runStages.map(\.fingerprint)
            }
            return all
        }
        let (f32, bf16) = (try fingerprints(.float32), try fingerprints(.bfloat16))
        #expect(f32.count == bf16.count && f32.count >= 7)
        for (a, b) in zip(f32, bf16) {
            #expect(a != b)
            #expect(!a.values.contains { $0.contains("frozen-weights") })
        }
        // Stage 3's Qwen3 follows the same switch when its settings are the default ones.
        let prima = try #require(try BaselineChoice.experiments([.prima], schema: PADUFES.schema, samples: TinyPADUFES.samples,
                                                                settings: TinyEncoders.settings, seed: 0, frozenWeights: .bfloat16).first as? PRIMAExperiment)
        #expect(prima.fusion?.frozenWeights == .bfloat16)
    }
}
