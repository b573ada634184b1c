import PRIMANN

extension LoRA.Configuration {
    /// PRIMA's stage-3 adapters on Qwen3: rank 16, alpha 32 (updates scaled by 2), no dropout, on every linear
    /// layer of attention and MLP (``Qwen3ForCausalLM/loraTargets``: q/k/v/o and gate/up/down projections).
    public static var qwen3Fusion: LoRA.Configuration {
        LoRA.Configuration(rank: 16, alpha: 32, dropout: 0, targets: Qwen3ForCausalLM.loraTargets)
    }
}
