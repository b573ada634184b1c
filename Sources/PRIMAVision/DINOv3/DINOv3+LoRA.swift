import PRIMANN
import PRIMATensor

/// The projections of a DINOv3 layer that LoRA can adapt, by their checkpoint names.
public enum DINOv3LoRATarget: String, CaseIterable, Sendable, Codable {
    /// Attention query projection `q_proj`.
    case query = "q_proj"
    /// Attention key projection `k_proj`.
    case key = "k_proj"
    /// Attention value projection `v_proj`.
    case value = "v_proj"
    /// Attention output projection `o_proj`.
    case output = "o_proj"
    /// Gate projection `gate_proj` of a gated MLP (ViT-S+/16).
    case gate = "gate_proj"
    /// MLP up projection `up_proj`.
    case up = "up_proj"
    /// MLP down projection `down_proj`.
    case down = "down_proj"

    /// The four attention projections.
    public static let attention: [DINOv3LoRATarget] = [.query, .key, .value, .output]
    /// The MLP projections (`gate_proj` matches only gated models).
    public static let mlp: [DINOv3LoRATarget] = [.gate, .up, .down]
}

extension LoRA.Configuration {
    /// PRIMA's DINOv3 adapters: rank 32 (the paper), and **[ours]** `alpha = rank` (scaling 1), no
    /// dropout, on the four attention projections of every layer.
    public static func dinov3(rank: Int = 32, alpha: Float? = nil, dropout: Float = 0,
                              targets: [DINOv3LoRATarget] = DINOv3LoRATarget.attention) -> LoRA.Configuration {
        LoRA.Configuration(rank: rank, alpha: alpha ?? Float(rank), dropout: dropout, targets: targets.map(\.rawValue))
    }
}

extension DINOv3Model {
    /// Attaches LoRA adapters to the target projections of every layer and freezes everything else, so
    /// that only the adapters train. Load the pretrained weights first (see `LoRA.apply(to:_:freezeBase:using:)`).
    /// `LoRA.merge(in:)` later folds the adapters into the weights for inference.
    /// - Returns: the keys of the adapted layers.
    /// - Throws: when no layer matches the targets (e.g. only `gate_proj` on a model without a gated MLP).
    @discardableResult
    public func applyLoRA(_ configuration: LoRA.Configuration = .dinov3(), using rng: inout RandomGenerator) throws -> [String] {
        try LoRA.apply(to: self, configuration, freezeBase: true, using: &rng)
    }
}
