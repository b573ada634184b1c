import PRIMATensor

/// A module that draws random numbers from a generator it owns. Training checkpoints save and restore
/// every such generator by module key, so a resumed run draws the same numbers.
public protocol RandomStateHolder: Module {
    /// The module's random stream.
    var generator: RandomGenerator { get set }
    /// Whether a forward pass in the module's current mode draws from ``generator`` (for dropout: training
    /// mode with a positive probability). Code that runs a model on several threads at once
    /// (`Tensor.concurrentBranches`) must not while any module draws. Defaults to `true`.
    var drawsRandomNumbers: Bool { get }
}

extension RandomStateHolder {
    /// `true`: a holder that does not say otherwise is assumed to draw.
    public var drawsRandomNumbers: Bool { true }
}

extension Module {
    /// Whether a forward pass in the current modes draws random numbers anywhere in this module's tree
    /// (some ``RandomStateHolder`` says it ``RandomStateHolder/drawsRandomNumbers``).
    public var drawsRandomNumbersInForward: Bool {
        if let holder = self as? any RandomStateHolder, holder.drawsRandomNumbers { return true }
        return namedModules().contains { ($0.module as? any RandomStateHolder)?.drawsRandomNumbers ?? false }
    }
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

    /// True in training mode with a positive probability.
    public var drawsRandomNumbers: Bool { isTraining && probability > 0 }

    /// Applies dropout in training mode; the identity in evaluation mode.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.dropout(probability: probability, training: isTraining, using: &generator)
    }
}
