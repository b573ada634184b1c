/// How a parameter's values are stored.
///
/// - `float32`: the default; every parameter that trains, and every norm, bias and embedding.
/// - `bfloat16`: frozen matrix weights only, at half the bytes. Values are rounded to nearest (ties to
///   even) once, when stored; products widen them to Float32 and accumulate in Float32, so activations,
///   gradients, optimiser state and losses are unchanged in type.
public enum WeightPrecision: String, Sendable, CaseIterable, Codable {
    /// IEEE single precision (4 bytes per value).
    case float32
    /// bfloat16: Float32's sign and exponent with 8 significand bits (2 bytes per value).
    case bfloat16

    /// The short name command-line options use: `f32` or `bf16`.
    public var optionName: String {
        switch self {
        case .float32: "f32"
        case .bfloat16: "bf16"
        }
    }

    /// The storage of a short name (`f32`, `bf16`; ``optionName``), nil for any other text.
    public init?(optionName: String) {
        guard let match = Self.allCases.first(where: { $0.optionName == optionName }) else { return nil }
        self = match
    }
}
