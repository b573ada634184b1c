import PRIMANN
import PRIMATensor
import PRIMAText

/// Rows for the PRIMAText encoders (twins in Benchmarks/PyTorch/rows_text.py): ModernBERT-base on a batch of
/// 8 × 128 tokens, forward without gradients and forward + backward into every weight, and all-MiniLM-L6-v2
/// sentence embeddings (mean-pooled, L2-normalised) of 64 sentences × 32 tokens. Random weights: speed does
/// not depend on the values.
extension BenchmarkRows {
    static func text() -> [Row] {
        [
            Row(name: "modernbert_base_fwd_8x128") {
                let (model, ids) = modernBERTBase(inference: true)
                return Timing.median(minRuns: 3, minSeconds: 3) { _ = noGrad { model(ids) } }
            },
            Row(name: "modernbert_base_fwdbwd_8x128") {
                let (model, ids) = modernBERTBase()
                let probe = random([8, 128, 768])
                return Timing.median(minRuns: 3, minSeconds: 3) {
                    (model(ids) * probe).sum().backward()
                    model.zeroGrad()
                }
            },
            Row(name: "minilm_embed_64x32") {
                var rng = RandomGenerator(seed: 2)
                let config = BERTConfig(vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12,
                                        intermediateSize: 1536)
                let encoder = TextEncoder(backbone: BERTModel(config: config, pooler: false, using: &rng), tokenizer: nil)
                encoder.eval()
                applyInferencePrecisionMode(encoder)
                let ids = Tensor.randomInt([64, 32], in: 0..<30522, using: &rng)
                return Timing.median(minRuns: 5) {
                    _ = noGrad { encoder(ids).meanPooled().l2Normalized(axis: 1) }
                }
            },
        ]
    }

    private static func modernBERTBase(inference: Bool = false) -> (ModernBERTModel, Tensor) {
        var rng = RandomGenerator(seed: 1)
        let model = ModernBERTModel(config: ModernBERTConfig(), using: &rng)
        model.eval()
        if inference { applyInferencePrecisionMode(model) } else { applyPrecisionMode(model) }
        return (model, Tensor.randomInt([8, 128], in: 0..<50368, using: &rng))
    }
}
