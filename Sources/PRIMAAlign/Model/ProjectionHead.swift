import PRIMANN
import PRIMATensor

/// The shape of a projection head: how many Linear layers, how wide the hidden ones are, and the
/// non-linearity between them.
public struct ProjectionHeadConfiguration: Sendable, Codable, Equatable {
    /// Linear layers, at least 1: depth 1 is a single linear map, depth 2 is Linear–activation–Linear.
    public var depth: Int
    /// Width of the hidden layers (unused at depth 1); nil means the shared width.
    public var hiddenWidth: Int?
    /// Non-linearity between the layers.
    public var activation: ActivationFunction

    /// A head of `depth` layers; **[ours]** the default Linear–GELU–Linear follows CLIP-style two-layer heads.
    public init(depth: Int = 2, hiddenWidth: Int? = nil, activation: ActivationFunction = .gelu) {
        self.depth = depth
        self.hiddenWidth = hiddenWidth
        self.activation = activation
    }

    /// Throws ``AlignmentError`` naming `name` when the depth or hidden width is not positive.
    func validate(_ name: String) throws {
        guard depth >= 1 else { throw AlignmentError(name, "depth must be at least 1, got \(depth)") }
        if let hiddenWidth, hiddenWidth < 1 { throw AlignmentError(name, "hidden width must be positive, got \(hiddenWidth)") }
    }
}

/// Maps an encoder's features (`[…, inputWidth]`) into the shared space (`[…, outputWidth]`) with an `MLP`
/// (keys `layers.0.weight`, `layers.0.bias`, …). Applies to global vectors and to token sequences alike.
public final class ProjectionHead: Module, Layer {
    /// The layers (keys `layers.<i>`).
    @Key("") public private(set) var mlp: MLP
    /// The shape it was built with.
    public let configuration: ProjectionHeadConfiguration

    /// A head from `inputWidth` to `outputWidth` with PyTorch's default initialisation drawn from `rng`.
    /// - Throws: ``AlignmentError`` naming `name` for a non-positive width or depth.
    public init(name: String = "projection head", inputWidth: Int, outputWidth: Int,
                configuration: ProjectionHeadConfiguration = .init(), using rng: inout RandomGenerator) throws {
        try configuration.validate(name)
        guard inputWidth > 0, outputWidth > 0 else {
            throw AlignmentError(name, "widths must be positive, got input \(inputWidth) and output \(outputWidth)")
        }
        self.configuration = configuration
        let hidden = Array(repeating: configuration.hiddenWidth ?? outputWidth, count: configuration.depth - 1)
        let sizes = [inputWidth] + hidden + [outputWidth]
        super.init()
        mlp = MLP(sizes: sizes, activation: configuration.activation, using: &rng)
    }

    /// The width of the input features.
    public var inputWidth: Int { mlp.layers[0].inputSize }
    /// The width of the shared space.
    public var outputWidth: Int { mlp.layers[mlp.layers.count - 1].outputSize }

    /// Projects the last axis of `input`.
    public func callAsFunction(_ input: Tensor) -> Tensor { mlp(input) }
}
