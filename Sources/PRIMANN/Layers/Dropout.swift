import PRIMATensor

/// A module that draws random numbers from a generator it owns. Training checkpoints save and restore
/// every such generator by module key, so a resumed run draws the same numbers.
public protocol RandomStateHolder: Module {
    /// The module's random stream.
    var generator: RandomGenerator { get set }
}

/// Inverted dropout, as `torch.nn.Dropout`: in training mode each element is zeroed with probability
/// `probability` and the others scaled by `1 / (1 - probability)`; the identity in evaluation mode.
///
/// The mask is drawn from the module's own ``generator`` (the same seed gives the same masks).
public final class Dropout: Module, Layer, RandomStateHolder {
    /// The probability of zeroing an element, in [0, 1).
    public let probability: Float
    /// The stream the masks are drawn from.
    public var generator: RandomGenerator

    /// A dropout layer drawing its masks from `generator`.
    public init(probability: Float, generator: RandomGenerator) {
        precondition(probability >= 0 && probability < 1, "dropout probability \(probability) outside [0, 1)")
        self.probability = probability
        self.generator = generator
        super.init()
    }

    /// Applies dropout in training mode; the identity in evaluation mode.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.dropout(probability: probability, training: isTraining, using: &generator)
    }
}
