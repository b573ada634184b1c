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
}
