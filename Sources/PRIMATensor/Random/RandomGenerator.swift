import Foundation

/// The one seeded random source of PRIMA-Swift: xoshiro256** seeded through SplitMix64.
///
/// Every stochastic step (initialisation, dropout, masking, augmentation, shuffling) takes a
/// `RandomGenerator`, so the same seed reproduces a run exactly. The state is `Codable` and is saved
/// in training checkpoints; ``split()`` derives independent streams (for example one per worker).
public struct RandomGenerator: Sendable, Codable, Equatable {
    // Four words in stored properties rather than an array: `next()` runs once per random number, and
    // array access would add bounds and uniqueness checks to each call.
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The four state words, for saving; ``init(state:)`` restores them.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    public init(seed: UInt64) {
        var s = seed
        s0 = RandomGenerator.splitMix(&s)
        s1 = RandomGenerator.splitMix(&s)
        s2 = RandomGenerator.splitMix(&s)
        s3 = RandomGenerator.splitMix(&s)
    }

    /// Restores a saved state (four words, not all zero).
    public init(state: [UInt64]) throws {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else {
            throw TensorError.invalidArgument("random generator state must be four words, not all zero; got \(state)")
        }
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    private enum CodingKeys: String, CodingKey { case state }

    /// Decodes `{"state": [w0, w1, w2, w3]}`, rejecting states that ``init(state:)`` rejects (a checkpoint
    /// is outside input).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let words = try container.decode([UInt64].self, forKey: .state)
        do {
            try self.init(state: words)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .state, in: container, debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
    }

    static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// A generator with an independent stream, derived from (and advancing) this one.
    public mutating func split() -> RandomGenerator {
        RandomGenerator(seed: next())
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal (Box–Muller on two doubles).
    public mutating func nextNormal() -> Float {
        let u1 = max(nextDouble(), 0x1p-60), u2 = nextDouble()
        return Float(Foundation.sqrt(-2 * Foundation.log(u1)) * Foundation.cos(2 * Double.pi * u2))
    }

    /// Uniform integer in `range` (unbiased, Lemire's method).
    public mutating func nextInt(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty, "random integer from an empty range")
        // Wrapping subtraction gives the true span even when it exceeds Int.max (e.g. Int.min..<Int.max).
        let span = UInt64(UInt(bitPattern: range.upperBound &- range.lowerBound))
        var m = next().multipliedFullWidth(by: span)
        if m.low < span {
            let threshold = (0 &- span) % span
            while m.low < threshold { m = next().multipliedFullWidth(by: span) }
        }
        return range.lowerBound &+ Int(bitPattern: UInt(m.high))
    }

    /// A uniformly random permutation of `0..<n` (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, nextInt(in: 0..<(i + 1))) }
        }
        return p
    }

    /// Shuffles `array` in place.
    public mutating func shuffle<T>(_ array: inout [T]) {
        let p = permutation(array.count)
        array = p.map { array[$0] }
    }
}

extension Tensor {
    /// Normal(`mean`, `std`) samples.
    public static func randomNormal(_ shape: [Int], mean: Float = 0, std: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        for i in 0..<out.count { out.storage.pointer[i] = mean + std * rng.nextNormal() }
        return out
    }

    /// Uniform samples in [`low`, `high`).
    public static func randomUniform(_ shape: [Int], low: Float = 0, high: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        for i in 0..<out.count { out.storage.pointer[i] = low + (high - low) * rng.nextUniform() }
        return out
    }

    /// 1 with probability `p`, else 0.
    public static func bernoulli(_ shape: [Int], probability p: Float, using rng: inout RandomGenerator) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        for i in 0..<out.count { out.storage.pointer[i] = rng.nextUniform() < p ? 1 : 0 }
        return out
    }

    /// Integers uniform in `range` (stored as floats, as all index tensors are).
    public static func randomInt(_ shape: [Int], in range: Range<Int>, using rng: inout RandomGenerator) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        for i in 0..<out.count { out.storage.pointer[i] = Float(rng.nextInt(in: range)) }
        return out
    }
}
