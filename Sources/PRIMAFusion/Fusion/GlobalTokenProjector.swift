import PRIMANN
import PRIMATensor

/// Maps a global feature (an image view's global token, the text's CLS token) to one soft token of the language
/// model: `Linear(D → H) → GELU → Linear(H → H)` (keys `layers.0.*`, `layers.1.*`).
public final class GlobalTokenProjector: Module {
    /// The two-layer perceptron.
    @Key("mlp") public private(set) var mlp: MLP

    /// A projector from width `inputWidth` to `hiddenSize`, with PyTorch's default initialisation.
    public init(inputWidth: Int, hiddenSize: Int, using rng: inout RandomGenerator) {
        super.init()
        mlp = MLP(sizes: [inputWidth, hiddenSize, hiddenSize], activation: .gelu, using: &rng)
    }

    /// The input width `D`.
    public var inputWidth: Int { mlp.layers[0].inputSize }

    /// `[B, D]` → `[B, H]`.
    public func callAsFunction(_ features: Tensor) -> Tensor { mlp(features) }
}
