import Foundation
import Testing
import PRIMATensor
import PRIMATestSupport

/// Reproducibility and statistical sanity of ``RandomGenerator``. Seeds are fixed, so every check is
/// deterministic; statistical bounds are ``Tolerance/statisticalSigmas`` standard errors.
@Suite struct RandomGeneratorTests {
    static let sigmas = Tolerance.statisticalSigmas

    static func draws(_ rng: inout RandomGenerator, _ count: Int) -> [UInt64] { (0..<count).map { _ in rng.next() } }

    /// Pearson's chi-square statistic of `counts` against equal expected frequencies, and whether it lies
    /// within `sigmas` standard deviations of its mean (k - 1 degrees of freedom: mean k-1, variance 2(k-1)).
    static func chiSquareIsUniform(_ counts: [Int]) -> Bool {
        let total = Double(counts.reduce(0, +)), expected = total / Double(counts.count)
        let statistic = counts.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
        let freedom = Double(counts.count - 1)
        return abs(statistic - freedom) <= sigmas * (2 * freedom).squareRoot()
    }

    @Test func sameSeedGivesTheSameStream() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        #expect(Self.draws(&a, 1000) == Self.draws(&b, 1000))
        #expect(a == b)
        var c = RandomGenerator(seed: 42), d = RandomGenerator(seed: 42)
        #expect(Tensor.randomNormal([50], using: &c).scalars == Tensor.randomNormal([50], using: &d).scalars)
        #expect(c.permutation(30) == d.permutation(30))
    }

    @Test func differentSeedsGiveDifferentStreams() {
        let streams = (0..<64).map { seed -> [UInt64] in
            var rng = RandomGenerator(seed: UInt64(seed))
            return Self.draws(&rng, 16)
        }
        #expect(Set(streams).count == streams.count)
        #expect(Set(streams.flatMap { $0 }).count == 64 * 16, "no value repeats across nearby seeds")
    }

    @Test func splitStreamsAreReproducibleAndIndependent() {
        var parent = RandomGenerator(seed: 7)
        var child = parent.split()
        var again = RandomGenerator(seed: 7)
        let childAgain = again.split()
        #expect(parent == again && child == childAgain, "splitting is deterministic")

        let n = 100_000
        let fromChild = (0..<n).map { _ in Double(child.nextUniform()) - 0.5 }
        let fromParent = (0..<n).map { _ in Double(parent.nextUniform()) - 0.5 }
        #expect(Set(fromChild.prefix(100)).isDisjoint(with: Set(fromParent.prefix(100))))
        // Independent uniforms: correlation ~ Normal(0, 1/n).
        let covariance = zip(fromChild, fromParent).reduce(0.0) { $0 + $1.0 * $1.1 } / Double(n)
        let correlation = covariance / (1.0 / 12)
        #expect(abs(correlation) < Self.sigmas / Double(n).squareRoot())
        // Lagged too: the child is not a shifted copy of the parent.
        let lagged = zip(fromChild.dropFirst(), fromParent).reduce(0.0) { $0 + $1.0 * $1.1 } / Double(n - 1) / (1.0 / 12)
        #expect(abs(lagged) < Self.sigmas / Double(n).squareRoot())
    }

    @Test func codableRoundTripRestoresTheExactStream() throws {
        var rng = RandomGenerator(seed: 99)
        _ = Self.draws(&rng, 37)
        let saved = try JSONEncoder().encode(rng)
        var restored = try JSONDecoder().decode(RandomGenerator.self, from: saved)
        #expect(restored == rng)
        #expect(Self.draws(&restored, 500) == Self.draws(&rng, 500))
        var fromState = try RandomGenerator(state: rng.state)
        #expect(fromState.next() == rng.next())
    }

    @Test func decodingRejectsInvalidStates() {
        for json in ["{\"state\":[1,2,3]}", "{\"state\":[0,0,0,0]}", "{\"state\":[1,2,3,4,5]}", "{}"] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(RandomGenerator.self, from: Data(json.utf8)) }
        }
        #expect(throws: TensorError.self) { try RandomGenerator(state: [0, 0, 0, 0]) }
    }

    @Test func uniformIsInTheUnitIntervalWithTheRightMoments() {
        var rng = RandomGenerator(seed: 3)
        let n = 100_000
        let floats = (0..<n).map { _ in rng.nextUniform() }
        let doubles = (0..<n).map { _ in rng.nextDouble() }
        #expect(floats.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(doubles.allSatisfy { $0 >= 0 && $0 < 1 })
        for sample in [floats.map(Double.init), doubles] {
            let mean = sample.reduce(0, +) / Double(n)
            let variance = sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            #expect(abs(mean - 0.5) < Self.sigmas * (1.0 / 12 / Double(n)).squareRoot())
            // Var of the sample variance of U(0,1): (μ4 - σ⁴)/n with μ4 = 1/80, σ² = 1/12.
            #expect(abs(variance - 1.0 / 12) < Self.sigmas * ((1.0 / 80 - 1.0 / 144) / Double(n)).squareRoot())
            var bins = [Int](repeating: 0, count: 20)
            for x in sample { bins[Int(x * 20)] += 1 }
            #expect(Self.chiSquareIsUniform(bins))
        }
        var tensorRng = RandomGenerator(seed: 4)
        let t = Tensor.randomUniform([1000], low: -2, high: 3, using: &tensorRng)
        #expect(t.scalars.allSatisfy { $0 >= -2 && $0 < 3 })
    }

    @Test func normalHasMeanZeroAndUnitVariance() {
        var rng = RandomGenerator(seed: 5)
        let n = 100_000
        let sample = (0..<n).map { _ in Double(rng.nextNormal()) }
        #expect(sample.allSatisfy { $0.isFinite })
        let mean = sample.reduce(0, +) / Double(n)
        let variance = sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        #expect(abs(mean) < Self.sigmas / Double(n).squareRoot())
        #expect(abs(variance - 1) < Self.sigmas * (2 / Double(n)).squareRoot())
        // Shape: the fraction within one standard deviation is Φ(1) - Φ(-1) = erf(1/√2).
        let within = Double(sample.filter { abs($0) < 1 }.count) / Double(n)
        let p = erf(1 / 2.0.squareRoot())
        #expect(abs(within - p) < Self.sigmas * (p * (1 - p) / Double(n)).squareRoot())

        var tensorRng = RandomGenerator(seed: 6)
        let t = Tensor.randomNormal([20_000], mean: 3, std: 0.5, using: &tensorRng).scalars.map(Double.init)
        let tMean = t.reduce(0, +) / Double(t.count)
        #expect(abs(tMean - 3) < Self.sigmas * 0.5 / Double(t.count).squareRoot())
    }

    @Test func integersCoverTheirRangeUniformly() {
        var rng = RandomGenerator(seed: 8)
        for range in [0..<7, -3..<4, 10..<11, -1_000..<1_000] {
            var counts = [Int](repeating: 0, count: range.count)
            for _ in 0..<(range.count * 200) {
                let value = rng.nextInt(in: range)
                #expect(range.contains(value))
                counts[value - range.lowerBound] += 1
            }
            #expect(counts.allSatisfy { $0 > 0 }, "every value of \(range) occurs")
            if range.count > 1 { #expect(Self.chiSquareIsUniform(counts), "\(range): \(counts.prefix(10))") }
        }
    }

    /// A span of 1.5 · 2^62: reducing 64 random bits modulo the span would make the lowest third of the
    /// range twice as likely as the rest; an unbiased generator fills thirds equally.
    @Test func largeSpansAreUnbiased() {
        var rng = RandomGenerator(seed: 10)
        let span = 3 << 61
        var thirds = [0, 0, 0]
        for _ in 0..<30_000 {
            let value = rng.nextInt(in: 0..<span)
            thirds[value / (1 << 61)] += 1
        }
        #expect(Self.chiSquareIsUniform(thirds), "\(thirds)")
        // The full Int range does not overflow and reaches both signs.
        let full = (0..<64).map { _ in rng.nextInt(in: Int.min..<Int.max) }
        #expect(full.contains { $0 < 0 } && full.contains { $0 > 0 })
    }

    @Test func permutationsArePermutationsAndUniform() {
        var rng = RandomGenerator(seed: 12)
        for n in [0, 1, 2, 17, 1000] {
            #expect(rng.permutation(n).sorted() == Array(0..<n))
        }
        // All 24 orders of four items are equally likely.
        var counts: [[Int]: Int] = [:]
        for _ in 0..<24_000 { counts[rng.permutation(4), default: 0] += 1 }
        #expect(counts.count == 24)
        #expect(Self.chiSquareIsUniform(Array(counts.values)))

        var items = Array("abcdefgh")
        rng.shuffle(&items)
        #expect(items.sorted() == Array("abcdefgh"))
    }

    @Test func bernoulliHasTheRequestedRate() {
        var rng = RandomGenerator(seed: 13)
        let n = 100_000
        for p: Float in [0.3, 0.5, 0.97] {
            let sample = Tensor.bernoulli([n], probability: p, using: &rng).scalars
            #expect(sample.allSatisfy { $0 == 0 || $0 == 1 })
            let rate = Double(sample.reduce(0, +)) / Double(n)
            let q = Double(p)
            #expect(abs(rate - q) < Self.sigmas * (q * (1 - q) / Double(n)).squareRoot(), "p = \(p): rate \(rate)")
        }
        #expect(Tensor.bernoulli([1000], probability: 0, using: &rng).scalars.allSatisfy { $0 == 0 })
        #expect(Tensor.bernoulli([1000], probability: 1, using: &rng).scalars.allSatisfy { $0 == 1 })
    }

    @Test func randomIntTensorsHoldIntegersInRange() {
        var rng = RandomGenerator(seed: 14)
        let t = Tensor.randomInt([4, 250], in: -5..<5, using: &rng)
        #expect(t.shape == [4, 250])
        #expect(t.scalars.allSatisfy { $0 == $0.rounded() && $0 >= -5 && $0 < 5 })
        #expect(Set(t.scalars).count == 10)
    }
}
