import PRIMAFusion
import PRIMANN
import PRIMATensor

/// A Qwen3-0.6B-sized model with seeded random weights, built once on first use and shared by the rows
/// (as the PyTorch twin shares one model), so the process's peak RSS counts one model. Run the rows
/// alone (`prima-bench qwen3_`) to read their peak RSS.
nonisolated(unsafe) private let qwen3Bench = Qwen3ForCausalLM(config: .qwen3_0_6B, initialization: .random(seed: 0))

extension BenchmarkRows {
    /// Rows for the Qwen3 fusion LM (Benchmarks/PyTorch/rows_fusion.py has the same names). The LoRA row
    /// attaches adapters to the shared model, so it comes last.
    static func fusion() -> [Row] {
        let vocabulary = Qwen3Config.qwen3_0_6B.vocabSize
        return [
            // Forward without gradients at batch 4 × 64; logits at the last position only (logits_to_keep=1).
            Row(name: "qwen3_0.6b_forward_4x64") {
                var rng = RandomGenerator(seed: 1)
                let ids = Tensor.randomInt([4, 64], in: 0..<vocabulary, using: &rng)
                applyInferencePrecisionMode(qwen3Bench)   // LoRA (last row) freezes the base anyway
                return Timing.median(warmup: 1, minRuns: 5, minSeconds: 0) {
                    _ = noGrad { qwen3Bench(tokenIDs: ids, logits: .lastToken) }
                }
            },
            // Greedy decoding with the KV cache, batch 1: a 16-token prompt then 32 new tokens; seconds per
            // new token (the prompt's prefill included), so tokens per second = 1 / value.
            Row(name: "qwen3_0.6b_generate32_per_token") {
                var rng = RandomGenerator(seed: 2)
                let prompt = Tensor.randomInt([16], in: 0..<vocabulary, using: &rng).scalars.map { Int($0) }
                let options = GenerationOptions(maxNewTokens: 32)
                return Timing.median(warmup: 1, minRuns: 3, minSeconds: 0) {
                    _ = qwen3Bench.generate(prompts: [prompt], options: options)
                } / 32
            },
            // Forward + backward at batch 4 × 64 with the backbone frozen and LoRA rank 16 on every
            // projection; loss: the restricted-vocabulary classifier (2 class tokens) at the last position.
            Row(name: "qwen3_0.6b_lora_fwdbwd_4x64") {
                var rng = RandomGenerator(seed: 3)
                if LoRA.adapters(in: qwen3Bench).isEmpty {
                    try! LoRA.apply(to: qwen3Bench, LoRA.Configuration(rank: 16, alpha: 32, targets: Qwen3ForCausalLM.loraTargets),
                                    using: &rng)
                    applyPrecisionMode(qwen3Bench)
                }
                let ids = Tensor.randomInt([4, 64], in: 0..<vocabulary, using: &rng)
                let labels = Tensor([0, 1, 0, 1])
                let classifier = RestrictedVocabularyClassifier(classTokenIDs: [9454, 2753])
                return Timing.median(warmup: 1, minRuns: 5, minSeconds: 0) {
                    let logits = classifier.logits(model: qwen3Bench, tokenIDs: ids)
                    classifier.loss(logits: logits, labels: labels).backward()
                    qwen3Bench.zeroGrad()
                }
            },
        ]
    }
}
