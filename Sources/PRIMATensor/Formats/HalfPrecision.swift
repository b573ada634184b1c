import CPRIMAKernels
/// Conversions between Float32 and the two 16-bit floating-point storage formats of checkpoints:
/// IEEE 754 half precision (binary16, safetensors `F16`) and bfloat16 (safetensors `BF16`).
///
/// Float32 → 16 bits rounds to nearest, ties to even (IEEE 754, and PyTorch's `.to(torch.float16)` /
/// `.to(torch.bfloat16)`), overflows to infinity, produces subnormals, and keeps a NaN a NaN: quiet, with
/// its sign and the top bits of its payload. 16 bits → Float32 is exact; a NaN keeps its sign and payload
/// and comes out quiet (as F16C hardware, compiler-rt and PyTorch widen it).
///
/// The buffer functions run eight lanes at a time and split large buffers across cores.
public enum HalfPrecision {
    // MARK: - Single values

    /// The Float32 value of the IEEE half with bit pattern `bits` (exact; a signalling NaN becomes quiet).
    @inlinable
    public static func float(fromHalfBits bits: UInt16) -> Float {
        let h = UInt32(bits)
        let sign = (h & 0x8000) << 16
        let shifted = (h & 0x7FFF) << 13            // exponent and mantissa at their Float32 positions
        let exponent = shifted & 0x0F80_0000
        if exponent == 0x0F80_0000 {                // infinity or NaN: Float32 exponent all ones
            let quiet: UInt32 = shifted == 0x0F80_0000 ? 0 : 0x0040_0000
            return Float(bitPattern: (shifted &+ 0x7000_0000) | quiet | sign)
        }
        if exponent == 0 {                          // zero or subnormal: m · 2^-24, computed exactly
            let value = Float(bitPattern: shifted &+ 0x3880_0000) - 0x1p-14
            return Float(bitPattern: value.bitPattern | sign)
        }
        return Float(bitPattern: (shifted &+ 0x3800_0000) | sign)   // rebias 15 → 127
    }

    /// The IEEE half bit pattern nearest to `value` (ties to even).
    @inlinable
    public static func halfBits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits & 0x8000_0000) >> 16)
        let magnitude = bits & 0x7FFF_FFFF
        if magnitude >= 0x4780_0000 {               // ≥ 65536: infinity, NaN, or overflow to infinity
            if magnitude > 0x7F80_0000 { return sign | 0x7E00 | UInt16(truncatingIfNeeded: (magnitude >> 13) & 0x3FF) }
            return sign | 0x7C00
        }
        if magnitude < 0x3880_0000 {                // below the smallest normal half (2^-14)
            // Adding 0.5 (ulp 2^-24, the half subnormal step) lets the FPU round to nearest even.
            let rounded = Float(bitPattern: magnitude) + 0.5
            return sign | UInt16(truncatingIfNeeded: rounded.bitPattern &- 0x3F00_0000)
        }
        let odd = (magnitude >> 13) & 1
        return sign | UInt16(truncatingIfNeeded: (magnitude &+ 0xC800_0FFF &+ odd) >> 13)  // rebias, round, shift
    }

    /// The Float32 value of the bfloat16 with bit pattern `bits` (exact).
    @inlinable
    public static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// The bfloat16 bit pattern nearest to `value` (ties to even, as PyTorch rounds).
    @inlinable
    public static func bfloat16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }

    // MARK: - Buffers

    /// Converts `count` IEEE half bit patterns to Float32.
    public static func convert(halfBits source: UnsafePointer<UInt16>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEachRange(count) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let h = SIMD8<UInt32>(truncatingIfNeeded: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<UInt16>.self))
                UnsafeMutableRawPointer(destination + i).storeBytes(of: floatBits(fromHalf: h), as: SIMD8<UInt32>.self)
                i += 8
            }
            while i < range.upperBound { destination[i] = float(fromHalfBits: source[i]); i += 1 }
        }
    }

    /// Converts `count` floats to IEEE half bit patterns (round to nearest even).
    public static func convert(floats source: UnsafePointer<Float>, toHalfBits destination: UnsafeMutablePointer<UInt16>, count: Int) {
        Parallel.forEachRange(count) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let u = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<UInt32>.self)
                UnsafeMutableRawPointer(destination + i).storeBytes(of: halfBits(fromFloatBits: u), as: SIMD8<UInt16>.self)
                i += 8
            }
            while i < range.upperBound { destination[i] = halfBits(from: source[i]); i += 1 }
        }
    }

    /// Converts `count` bfloat16 bit patterns to Float32.
    public static func convert(bfloat16Bits source: UnsafePointer<UInt16>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEachRange(count) { range in
            prima_bf16_to_f32(source + range.lowerBound, destination + range.lowerBound, range.count)
        }
    }

    /// Converts `count` floats to bfloat16 bit patterns (round to nearest even).
    public static func convert(floats source: UnsafePointer<Float>, toBFloat16Bits destination: UnsafeMutablePointer<UInt16>, count: Int) {
        Parallel.forEachRange(count) { range in
            prima_f32_to_bf16(source + range.lowerBound, destination + range.lowerBound, range.count)
        }
    }

    // MARK: - Eight lanes (the same arithmetic as the single-value functions, with selects for branches)

    @inline(__always)
    static func floatBits(fromHalf h: SIMD8<UInt32>) -> SIMD8<UInt32> {
        let sign = (h & 0x8000) &<< 16
        let shifted = (h & 0x7FFF) &<< 13
        let exponent = shifted & 0x0F80_0000
        var bits = shifted &+ 0x3800_0000
        var special = shifted &+ 0x7000_0000
        special.replace(with: special | 0x0040_0000, where: shifted .> 0x0F80_0000)
        bits.replace(with: special, where: exponent .== 0x0F80_0000)
        let subnormal = unsafeBitCast(shifted &+ 0x3880_0000, to: SIMD8<Float>.self) - SIMD8<Float>(repeating: 0x1p-14)
        bits.replace(with: unsafeBitCast(subnormal, to: SIMD8<UInt32>.self), where: exponent .== 0)
        return bits | sign
    }

    @inline(__always)
    static func halfBits(fromFloatBits u: SIMD8<UInt32>) -> SIMD8<UInt16> {
        let sign = u & 0x8000_0000
        let magnitude = u ^ sign
        var bits = (magnitude &+ 0xC800_0FFF &+ ((magnitude &>> 13) & 1)) &>> 13
        let small = unsafeBitCast(unsafeBitCast(magnitude, to: SIMD8<Float>.self) + SIMD8<Float>(repeating: 0.5), to: SIMD8<UInt32>.self) &- 0x3F00_0000
        bits.replace(with: small, where: magnitude .< 0x3880_0000)
        var large = SIMD8<UInt32>(repeating: 0x7C00)
        large.replace(with: 0x7E00 | ((magnitude &>> 13) & 0x3FF), where: magnitude .> 0x7F80_0000)
        bits.replace(with: large, where: magnitude .>= 0x4780_0000)
        return SIMD8<UInt16>(truncatingIfNeeded: bits | (sign &>> 16))
    }
}
