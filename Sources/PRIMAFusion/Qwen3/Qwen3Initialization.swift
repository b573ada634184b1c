import PRIMANN
import PRIMATensor

/// How a new ``Qwen3ForCausalLM`` fills its weights.
public enum Qwen3Initialization: Sendable, Equatable {
    /// Seeded random weights: every matrix uniform with mean 0 and standard deviation
    /// `initializer_range` (transformers draws normal values with that deviation; uniform draws are much
    /// cheaper and a 0.6B-parameter model builds in about a second), norms 1, biases 0. The values depend
    /// on the seed only, not on the number of threads.
    case random(seed: UInt64)
    /// Weights left uninitialised, for loading a checkpoint right after (no time spent drawing values;
    /// untouched memory is not even resident). Norms are 1 and biases 0.
    case uninitialized

    /// Values drawn per chunk of this many scalars, each chunk from its own generator.
    private static let chunk = 1 << 16

    func apply(to model: Qwen3ForCausalLM) {
        guard case .random(let seed) = self else { return }
        let bound = model.config.initializerRange * Float(3).squareRoot()
        for (index, entry) in model.namedParameters().enumerated() where entry.parameter.shape.count == 2 {
            Self.fillUniform(entry.parameter, bound: bound, seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
        }
    }

    private static func fillUniform(_ parameter: Parameter, bound: Float, seed: UInt64) {
        let count = parameter.count
        parameter.update { buffer in
            let pointer = UncheckedSendable(buffer.baseAddress!)
            let chunks = (count + chunk - 1) / chunk
            Parallel.forEachRange(chunks, costPerItem: chunk * 4) { range in
                for c in range {
                    var rng = RandomGenerator(seed: seed &+ UInt64(c) &* 0xD1B5_4A32_D192_ED03)
                    let start = c * chunk, end = min(count, start + chunk)
                    let p = pointer.value
                    for i in start..<end { p[i] = (rng.nextUniform() * 2 - 1) * bound }
                }
            }
        }
    }
}
