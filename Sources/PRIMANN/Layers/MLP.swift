import PRIMATensor

/// A multilayer perceptron: `Linear → activation → (dropout) → … → Linear`, keys `layers.0.weight`,
/// `layers.1.weight`, … (the Linear layers only, as a `torch.nn.ModuleList` named `layers`).
public final class MLP: Module, Layer {
    /// The Linear layers, input to output.
    public let layers: [Linear]
    /// The dropout after each hidden activation, if any.
    public let dropout: Dropout?
    /// The non-linearity between layers (none after the last).
    public let activation: ActivationFunction

    /// An MLP with sizes `[input, hidden…, output]` (at least two), PyTorch default initialisation, and
    /// optional dropout after each hidden activation (its generator split from `rng`).
    public init(sizes: [Int], activation: ActivationFunction = .gelu, bias: Bool = true, dropout: Float = 0,
                using rng: inout RandomGenerator) {
        precondition(sizes.count >= 2, "an MLP needs at least input and output sizes, got \(sizes)")
        var layers: [Linear] = []
        for (input, output) in zip(sizes, sizes.dropFirst()) {
            layers.append(Linear(input, output, bias: bias, using: &rng))
        }
        self.layers = layers
        self.activation = activation
        self.dropout = dropout > 0 ? Dropout(probability: dropout, generator: rng.split()) : nil
        super.init()
    }

    /// The network applied to `input` (`[…, sizes.first]` → `[…, sizes.last]`).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        for (i, layer) in layers.enumerated() {
            x = layer(x)
            if i < layers.count - 1 {
                x = activation(x)
                if let dropout { x = dropout(x) }
            }
        }
        return x
    }
}
