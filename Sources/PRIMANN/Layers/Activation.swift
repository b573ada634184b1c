import PRIMATensor

/// The elementwise non-linearities, named as Hugging Face configs name them (`hidden_act`).
public enum ActivationFunction: String, Sendable, Codable, CaseIterable {
    /// Exact (erf) GELU.
    case gelu
    /// GELU with the tanh approximation (`gelu_new` and `gelu_pytorch_tanh` in `transformers`).
    case geluTanh = "gelu_pytorch_tanh"
    case relu
    /// `x · sigmoid(x)` (also called swish).
    case silu
    case tanh

    /// Reads a `hidden_act` value, accepting the aliases `transformers` uses.
    public init?(huggingFaceName name: String) {
        switch name {
        case "gelu_new", "gelu_fast", "gelu_pytorch_tanh": self = .geluTanh
        case "swish": self = .silu
        default: self.init(rawValue: name)
        }
    }

    /// Applies the function elementwise.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .gelu: return x.gelu()
        case .geluTanh: return x.gelu(approximate: .tanh)
        case .relu: return x.relu()
        case .silu: return x.silu()
        case .tanh: return x.tanh()
        }
    }
}

/// An activation function as a parameter-free layer, for ``Sequential``.
public final class Activation: Module, Layer {
    /// The function applied.
    public let function: ActivationFunction

    /// A layer applying `function`.
    public init(_ function: ActivationFunction) {
        self.function = function
        super.init()
    }

    /// Applies the function elementwise.
    public func callAsFunction(_ input: Tensor) -> Tensor { function(input) }
}
