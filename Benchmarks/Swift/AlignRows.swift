import PRIMAAlign
import PRIMANN
import PRIMATensor
import PRIMAText
import PRIMAVision

/// One optimiser step of PRIMA's stage 2 (twin in Benchmarks/PyTorch/rows_align.py, same row names):
/// DINOv3 ViT-S/16 (random weights, frozen) with rank-32 LoRA on q/k/v/o encodes two 224×224 views of a
/// batch of 16; the frozen text encoder (ModernBERT-base, or all-MiniLM-L6-v2's BERT shape) encodes 16 × 64
/// tokens without gradients; linear projection heads into a 256-wide shared space; PRIMA's four losses
/// (0.2/0.3/0.2/0.3, τ = 0.07, metadata vectors of width 64); backward; AdamW (lr 3e-5, weight decay 1e-3).
/// Word mask: every token but the first and last. The two views are encoded side by side, one core each
/// (`Tensor.concurrentBranches`), as `AlignmentModel` does; the text encoder runs after them on both cores.
extension BenchmarkRows {
    static func align() -> [Row] {
        [
            Row(name: "align_step_vits16_lora32_b16_modernbert64") {
                var rng = RandomGenerator(seed: 3)
                let text = TextEncoder(backbone: ModernBERTModel(config: ModernBERTConfig(), using: &rng), tokenizer: nil)
                return alignStep(text: text, vocabulary: 50368)
            },
            Row(name: "align_step_vits16_lora32_b16_minilm64") {
                var rng = RandomGenerator(seed: 3)
                let config = BERTConfig(vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12,
                                        intermediateSize: 1536)
                let text = TextEncoder(backbone: BERTModel(config: config, pooler: false, using: &rng), tokenizer: nil)
                return alignStep(text: text, vocabulary: 30522)
            },
        ]
    }

    /// The trainable side of the step: adapters and projections (τ fixed).
    private final class Stage2: Module {
        let encoder: DINOv3Model
        let imageProjection: Linear
        let textProjection: Linear
        init(encoder: DINOv3Model, textWidth: Int, using rng: inout RandomGenerator) {
            self.encoder = encoder
            imageProjection = Linear(encoder.config.hiddenSize, 256, using: &rng)
            textProjection = Linear(textWidth, 256, using: &rng)
            super.init()
        }
        func image(_ pixels: Tensor) -> ImageFeatures {
            let raw = encoder.encodeImages(pixels)
            return ImageFeatures(global: imageProjection(raw.global), tokens: raw.tokens.map { imageProjection($0) }, grid: raw.grid)
        }
    }

    private static func alignStep(text: TextEncoder, vocabulary: Int) -> Double {
        let (batch, tokens) = (16, 64)
        text.freeze()
        text.eval()
        var rng = RandomGenerator(seed: 0)
        let encoder = DINOv3Model(config: .vitSmall16, using: &rng)
        _ = try? encoder.applyLoRA(.dinov3(rank: 32), using: &rng)
        applyPrecisionMode(encoder)
        applyPrecisionMode(text)
        let model = Stage2(encoder: encoder, textWidth: text.hiddenSize, using: &rng)
        applyPrecisionMode(model)   // the projection heads too
        let optimizer = AdamW(model, learningRate: 3e-5, weightDecay: 1e-3)
        let objective = AlignmentObjective.prima()
        var data = RandomGenerator(seed: 1)
        let view1 = Tensor.randomNormal([batch, 3, 224, 224], using: &data), view2 = Tensor.randomNormal([batch, 3, 224, 224], using: &data)
        let ids = Tensor.randomInt([batch, tokens], in: 0..<vocabulary, using: &data)
        let words = Tensor(shape: [batch, tokens], scalars: (0..<(batch * tokens)).map { i in
            i % tokens == 0 || i % tokens == tokens - 1 ? 0 : 1
        })
        let vectors = Tensor(shape: [batch, 64], scalars: (0..<(batch * 64)).map { _ in data.nextUniform() < 0.2 ? 1 : 0 })
        let temperature = Tensor(Float(0.07))
        return Timing.median(warmup: 1, minRuns: 3, maxRuns: 50, minSeconds: 3) {
            let raw = noGrad { text(ids) }
            let projected = TextFeatures(cls: model.textProjection(raw.cls), tokens: model.textProjection(raw.tokens), mask: raw.mask,
                                         wordMask: words)
            // The two views side by side, as AlignmentModel encodes them (Tensor.concurrentBranches).
            guard let views = try? Tensor.concurrentBranches(2, { branch in
                let features = model.image(branch == 0 ? view1 : view2)
                return [features.global, features.tokens!]
            }) else { fatalError("unreachable: the branches do not throw") }
            let grid = PatchGrid(height: 14, width: 14)
            let inputs = AlignmentInputs(view1: ImageFeatures(global: views[0][0], tokens: views[0][1], grid: grid),
                                         view2: ImageFeatures(global: views[1][0], tokens: views[1][1], grid: grid),
                                         text: projected, metadataVectors: vectors, temperature: temperature)
            guard let value = try? objective.evaluate(inputs) else { fatalError("the alignment objective refused the benchmark batch") }
            value.total.backward()
            optimizer.step()
            optimizer.zeroGrad()
        }
    }
}
