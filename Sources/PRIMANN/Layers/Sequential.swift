import PRIMATensor

/// Layers applied one after the other, as `torch.nn.Sequential`: keys are the positions (`0.weight`,
/// `2.bias`), counting parameter-free layers too.
public final class Sequential: Module, Layer {
    /// The layers in order (inlined: keyed by position directly under this module's key).
    @Key("") public private(set) var layers: [any Layer]

    /// A chain of `layers`, applied first to last.
    public init(_ layers: [any Layer]) {
        super.init()
        self.layers = layers
    }

    /// A chain of `layers`, applied first to last.
    public convenience init(_ layers: any Layer...) { self.init(layers) }

    /// Applies every layer in order.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { x, layer in layer(x) }
    }
}
