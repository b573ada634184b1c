import Foundation
import Testing
import PRIMATensor
import PRIMATestSupport

/// Float32 ↔ IEEE half and bfloat16: exhaustive over every 16-bit pattern, against Swift's `Float16`
/// (compiler-rt's IEEE conversions) and against PyTorch's rounding (fixture `half_rounding.safetensors`).
@Suite struct HalfPrecisionTests {
    static let allPatterns: [UInt16] = (0...UInt16.max).map { $0 }

    static func isHalfNaN(_ bits: UInt16) -> Bool { bits & 0x7C00 == 0x7C00 && bits & 0x03FF != 0 }
    static func isBFloat16NaN(_ bits: UInt16) -> Bool { bits & 0x7F80 == 0x7F80 && bits & 0x007F != 0 }

    @Test func everyHalfPatternConvertsToFloatExactlyAsFloat16Does() {
        let buffered = Tensor(halfBits: Self.allPatterns, shape: [65536]).scalars
        var mismatches = 0
        for bits in Self.allPatterns {
            let expected = Float(Float16(bitPattern: bits)).bitPattern
            if HalfPrecision.float(fromHalfBits: bits).bitPattern != expected { mismatches += 1 }
            if buffered[Int(bits)].bitPattern != expected { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func everyHalfPatternSurvivesARoundTripThroughFloat() {
        let back = Tensor(halfBits: Self.allPatterns, shape: [65536]).halfBits()
        var mismatches = 0
        for bits in Self.allPatterns {
            // NaN stays NaN with its sign and payload; only the quiet bit may be added.
            let expected = Self.isHalfNaN(bits) ? bits | 0x0200 : bits
            if HalfPrecision.halfBits(from: HalfPrecision.float(fromHalfBits: bits)) != expected { mismatches += 1 }
            if back[Int(bits)] != expected { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    /// Every tie between adjacent halves (and one float ulp either side), all float powers of two, and
    /// random bit patterns round as Swift's `Float16(_: Float)` rounds.
    @Test func floatToHalfRoundsAsFloat16Does() {
        var inputs: [Float] = []
        for bits in UInt16(0)..<0x7C00 {
            let low = HalfPrecision.float(fromHalfBits: bits), high = HalfPrecision.float(fromHalfBits: bits + 1)
            let mid = low + (high - low) / 2   // exact in Float32 (halves have 11 significant bits)
            for value in [mid, mid.nextDown, mid.nextUp, low] { inputs += [value, -value] }
        }
        for exponent in -150...128 { inputs += [Float(sign: .plus, exponent: exponent, significand: 1), Float(sign: .minus, exponent: exponent, significand: 1)] }
        var rng = RandomGenerator(seed: 5)
        for _ in 0..<100_000 { inputs.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))) }
        inputs += [.infinity, -.infinity, .nan, -.nan, .signalingNaN, .greatestFiniteMagnitude, .leastNonzeroMagnitude]

        let buffered = Tensor(inputs).halfBits()
        var mismatches: [Float] = []
        for (index, value) in inputs.enumerated() {
            let expected = Float16(value).bitPattern
            // NaNs included: both keep the sign and top payload bits and set the quiet bit.
            for actual in [HalfPrecision.halfBits(from: value), buffered[index]] where actual != expected {
                mismatches.append(value)
            }
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5).map { String($0.bitPattern, radix: 16) })")
    }

    @Test func everyBFloat16PatternSurvivesARoundTripThroughFloat() {
        let floats = Tensor(bfloat16Bits: Self.allPatterns, shape: [65536])
        let widened = floats.scalars, back = floats.bfloat16Bits()
        var mismatches = 0
        for bits in Self.allPatterns {
            let value = HalfPrecision.float(fromBFloat16Bits: bits)
            // A bfloat16 is the top half of a Float32.
            if value.bitPattern != UInt32(bits) << 16 || widened[Int(bits)].bitPattern != value.bitPattern { mismatches += 1 }
            let expected = Self.isBFloat16NaN(bits) ? bits | 0x0040 : bits
            if HalfPrecision.bfloat16Bits(from: value) != expected || back[Int(bits)] != expected { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    /// PyTorch's `.to(torch.bfloat16)` and `.to(torch.float16)` on edge cases, ties and random values.
    @Test func roundingMatchesPyTorch() throws {
        let file = try SafeTensorsFile(contentsOf: try fixtureURL("half_rounding"))
        let input = try file.tensor("input")
        let torchBF16 = try file.withUnsafeBytes(of: "bf16") { Array($0.bindMemory(to: UInt16.self)) }
        let torchF16 = try file.withUnsafeBytes(of: "f16") { Array($0.bindMemory(to: UInt16.self)) }
        #expect(torchBF16.count == input.count && torchF16.count == input.count && input.count > 6000)

        let bf16 = input.bfloat16Bits(), f16 = input.halfBits()
        var bf16Mismatches = 0, f16Mismatches = 0
        for (index, value) in input.scalars.enumerated() {
            if value.isNaN {
                // PyTorch's own NaN patterns differ between its scalar and vector paths; NaN must stay NaN.
                if !(Self.isBFloat16NaN(bf16[index]) && Self.isBFloat16NaN(torchBF16[index])) { bf16Mismatches += 1 }
                if !(Self.isHalfNaN(f16[index]) && Self.isHalfNaN(torchF16[index])) { f16Mismatches += 1 }
                continue
            }
            if bf16[index] != torchBF16[index] || HalfPrecision.bfloat16Bits(from: value) != torchBF16[index] { bf16Mismatches += 1 }
            if f16[index] != torchF16[index] || HalfPrecision.halfBits(from: value) != torchF16[index] { f16Mismatches += 1 }
        }
        #expect(bf16Mismatches == 0)
        #expect(f16Mismatches == 0)
    }

    /// Buffers large enough to be split across cores, with a length that is not a multiple of 8, give
    /// the same bits as the single-value functions.
    @Test func largeBuffersMatchSingleValueConversions() {
        var rng = RandomGenerator(seed: 9)
        let count = (1 << 18) + 5
        let values = Tensor.randomNormal([count], std: 300, using: &rng)
        let half = values.halfBits(), bf16 = values.bfloat16Bits()
        let scalars = values.scalars
        #expect(zip(scalars, half).allSatisfy { HalfPrecision.halfBits(from: $0) == $1 })
        #expect(zip(scalars, bf16).allSatisfy { HalfPrecision.bfloat16Bits(from: $0) == $1 })
        let widenedHalf = Tensor(halfBits: half, shape: [count]).scalars
        let widenedBF16 = Tensor(bfloat16Bits: bf16, shape: [count]).scalars
        #expect(zip(half, widenedHalf).allSatisfy { HalfPrecision.float(fromHalfBits: $0).bitPattern == $1.bitPattern })
        #expect(zip(bf16, widenedBF16).allSatisfy { HalfPrecision.float(fromBFloat16Bits: $0).bitPattern == $1.bitPattern })
    }

    @Test func roundedTensorsHoldTheNearest16BitValues() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.randomNormal([3, 5], using: &rng).requiringGrad()
        let half = x.roundedToHalf(), bf16 = x.roundedToBFloat16()
        #expect(half.shape == [3, 5] && bf16.shape == [3, 5])
        #expect(!half.requiresGrad && !bf16.requiresGrad)
        for (value, (h, b)) in zip(x.scalars, zip(half.scalars, bf16.scalars)) {
            #expect(h == Float(Float16(value)))
            #expect(b.bitPattern == UInt32(HalfPrecision.bfloat16Bits(from: value)) << 16)
            // Relative rounding error is at most half an ulp: 2^-11 for half, 2^-8 for bfloat16.
            #expect(abs(h - value) <= abs(value) * 0x1p-11)
            #expect(abs(b - value) <= abs(value) * 0x1p-8)
        }
        #expect(half.roundedToHalf().scalars == half.scalars)
        #expect(bf16.roundedToBFloat16().scalars == bf16.scalars)
        #expect(Tensor(halfBits: [], shape: [0, 2]).shape == [0, 2])
        #expect(Tensor.zeros([0]).bfloat16Bits().isEmpty)
    }
}

/// The URL of a committed binary fixture `Fixtures/<name>.safetensors`.
func fixtureURL(_ name: String) throws -> URL {
    guard let url = Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures") else {
        throw TensorError.io("fixture \(name).safetensors not found; regenerate with Scripts/reference/generate.sh")
    }
    return url
}
