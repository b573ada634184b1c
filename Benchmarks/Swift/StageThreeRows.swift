import PRIMAAlign
import PRIMAFusion
import PRIMANN
import PRIMAText
import PRIMATensor

/// One optimiser step of PRIMA's stage 3 (twin: `fusion_step_row` in Benchmarks/PyTorch/rows_fusion.py, same name):
/// a Qwen3-0.6B-sized language model (random weights, frozen) with rank-16 LoRA on q/k/v/o/gate/up/down reads,
/// for a batch of 2, a 16-token prompt, two image views (ViT-S/16 features: one global token and the 14 × 14
/// patch grid downsampled 2 × 2 to 49 tokens each) and the text (ModernBERT-base features: the CLS token and
/// 64 tokens downsampled to 32), between the four markers: 153 positions per sample. Class-weighted
/// cross-entropy over 6 class tokens at the last position, backward, gradient clipping at norm 1, AdamW
/// (stage 3's lr 1e-5, weight decay 3e-2) over the adapters, the projectors and the markers — the step
/// `FusionTrainer` takes, on features that stage 2 computed once. The paper's batch is 8: four of these.
extension BenchmarkRows {
    static func stageThree() -> [Row] {
        [Row(name: "fusion_step_qwen3_0.6b_lora16_b2") { fusionStep() }]
    }

    private static func fusionStep() -> Double {
        let (batch, views, textLength, classes) = (2, 2, 64, 6)
        let (imageWidth, textWidth, grid) = (384, 768, PatchGrid(height: 14, width: 14))
        var rng = RandomGenerator(seed: 4)
        let llm = Qwen3ForCausalLM(config: .qwen3_0_6B, initialization: .random(seed: 4))
        let hidden = llm.config.hiddenSize
        let markers = FusionSpecialTokens(weight: Tensor.randomNormal([4, hidden], using: &rng) * 0.02)
        let classifier: FusionClassifier
        do {
            classifier = try FusionClassifier(
                languageModel: llm, promptTokenIDs: Array(1000..<1016), classTokenIDs: Array(2000..<(2000 + classes)),
                classNames: (0..<classes).map { "class \($0)" }, specialTokens: markers,
                projectors: FusionProjectorConfiguration(imageFeatureWidth: imageWidth, textFeatureWidth: textWidth, hiddenSize: hidden),
                using: &rng)
        } catch {
            fatalError("the benchmark's fusion classifier was refused: \(error)")
        }
        applyPrecisionMode(classifier)
        let optimizer = AdamW(classifier, learningRate: 1e-5, weightDecay: 3e-2)
        var data = RandomGenerator(seed: 5)
        let imageViews = (0..<views).map { _ in
            ImageFeatures(global: Tensor.randomNormal([batch, imageWidth], using: &data),
                          tokens: Tensor.randomNormal([batch, grid.height * grid.width, imageWidth], using: &data), grid: grid)
        }
        let mask = Tensor.ones([batch, textLength])
        let text = TextFeatures(cls: Tensor.randomNormal([batch, textWidth], using: &data),
                                tokens: Tensor.randomNormal([batch, textLength, textWidth], using: &data), mask: mask, wordMask: mask)
        let labels = Tensor([0, 3])
        let classWeights = Tensor([0.5, 1.5, 1.0, 2.0, 0.8, 1.2])
        return Timing.median(warmup: 1, minRuns: 3, minSeconds: 0) {
            do {
                let logits = try classifier.logits(views: imageViews, text: text)
                try classifier.loss(logits: logits, labels: labels, classWeights: classWeights).backward()
            } catch {
                fatalError("the fusion classifier refused the benchmark batch: \(error)")
            }
            GradientClipping.clipGradNorm(classifier, maxNorm: 1)
            optimizer.step()
            optimizer.zeroGrad()
        }
    }
}
