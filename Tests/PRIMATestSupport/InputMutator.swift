import Foundation
import PRIMATensor

/// Seeded mutations of valid files, for fuzzing the parsers: byte flips, truncations, insertions of huge and
/// negative numbers and of deep nesting, numbers in the text replaced by extreme ones, repeated regions, and
/// (for PNG) chunk CRCs recomputed so the damage reaches the decoder instead of stopping at the checksum.
///
/// The same seed gives the same inputs on every machine, so a failing input is found again from
/// (seed, iteration) alone. Used by the fuzz tests of every parser and by the longer `prima-fuzz` command.
public struct InputMutator {
    private var rng: RandomGenerator

    /// A mutator whose choices follow `seed`.
    public init(seed: UInt64) { rng = RandomGenerator(seed: seed) }

    /// Text that breaks parsers that trust numbers or nesting.
    public static let hostileSnippets: [String] = [
        "99999999999999999999999", "-1", "-2147483649", "2147483648", "4294967296", "9223372036854775807",
        "-9223372036854775808", "1e400", "-0", "0.5", "NaN", "null", "true", "\"\"", "{}", "[]", ",", ":", "\"",
        "\\u0000", "\\uD800", String(repeating: "[", count: 600), String(repeating: "{\"a\":", count: 600),
        String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000),
        "\u{FEFF}", "\r\n", "\"\n\"", "\u{0}", "ÿ", "\u{1F600}",
    ]

    /// Replacements for a number already in the text.
    private static let extremeNumbers = ["-1", "0", "-2147483649", "2147483648", "4294967296", "1099511627776",
                                         "9223372036854775807", "99999999999999999999999", "1e308", "-3", "65536"]

    /// One mutated copy of `input` (one to three mutations); `png` also fixes up chunk CRCs half the time.
    public mutating func mutate(_ input: Data, png: Bool = false) -> Data {
        var bytes = [UInt8](input)
        if png && bytes.count >= 33 && rng.nextInt(in: 0..<3) == 0 {
            mutatePNGHeader(&bytes)
            Self.fixPNGChecksums(&bytes)
            return Data(bytes)
        }
        for _ in 0..<(1 + rng.nextInt(in: 0..<3)) { mutateOnce(&bytes) }
        if png && rng.nextInt(in: 0..<2) == 0 { Self.fixPNGChecksums(&bytes) }
        return Data(bytes)
    }

    private mutating func position(_ bytes: [UInt8]) -> Int { rng.nextInt(in: 0..<(bytes.count + 1)) }

    private mutating func mutateOnce(_ bytes: inout [UInt8]) {
        switch rng.nextInt(in: 0..<8) {
        case 0 where !bytes.isEmpty:  // flip one bit
            let i = rng.nextInt(in: 0..<bytes.count)
            bytes[i] ^= UInt8(1 << rng.nextInt(in: 0..<8))
        case 1 where !bytes.isEmpty:  // a random byte
            bytes[rng.nextInt(in: 0..<bytes.count)] = UInt8(rng.nextInt(in: 0..<256))
        case 2:  // truncate
            bytes.removeSubrange(position(bytes)...)
        case 3:  // insert a hostile snippet
            let snippet = Self.hostileSnippets[rng.nextInt(in: 0..<Self.hostileSnippets.count)]
            bytes.insert(contentsOf: Array(snippet.utf8), at: position(bytes))
        case 4:  // replace a number of the text by an extreme one
            replaceNumber(&bytes)
        case 5 where bytes.count > 1:  // repeat a region elsewhere
            let start = rng.nextInt(in: 0..<bytes.count)
            let length = min(bytes.count - start, 1 + rng.nextInt(in: 0..<64))
            bytes.insert(contentsOf: Array(bytes[start..<(start + length)]), at: position(bytes))
        case 6 where bytes.count > 1:  // delete a region
            let start = rng.nextInt(in: 0..<bytes.count)
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + rng.nextInt(in: 0..<64)))
        case 7 where bytes.count >= 4:  // a big-endian 32-bit field set to an extreme value (binary headers)
            let i = rng.nextInt(in: 0..<(bytes.count - 3))
            let value: UInt32 = [0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0, 0x0001_0000, 0x0000_FFFF][rng.nextInt(in: 0..<6)]
            for k in 0..<4 { bytes[i + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * k)) }
        default:
            bytes.insert(UInt8(rng.nextInt(in: 0..<256)), at: position(bytes))
        }
    }

    /// Changes one field of the IHDR chunk (bytes 16..<29: width, height, bit depth, colour type,
    /// compression, filter, interlace) so that the header stays well-formed but lies about the image.
    private mutating func mutatePNGHeader(_ bytes: inout [UInt8]) {
        switch rng.nextInt(in: 0..<4) {
        case 0, 1:  // width or height
            let offset = rng.nextInt(in: 0..<2) == 0 ? 16 : 20
            let value: UInt32 = [0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 1_000_000, 100_000, 65_536, 20_000][rng.nextInt(in: 0..<9)]
            for k in 0..<4 { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * k)) }
        case 2:  // bit depth or colour type
            bytes[24 + rng.nextInt(in: 0..<2)] = [0, 1, 2, 3, 4, 6, 8, 16, 255][rng.nextInt(in: 0..<9)]
        default:  // compression, filter or interlace method
            bytes[26 + rng.nextInt(in: 0..<3)] = UInt8(rng.nextInt(in: 0..<3))
        }
    }

    /// Replaces the digits around a random digit of `bytes` by one of ``extremeNumbers``.
    private mutating func replaceNumber(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let isDigit = { (b: UInt8) in b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        var i = rng.nextInt(in: 0..<bytes.count)
        var tries = 0
        while !isDigit(bytes[i]) && tries < bytes.count {
            i = (i + 1) % bytes.count
            tries += 1
        }
        guard isDigit(bytes[i]) else { return }
        var start = i, end = i
        while start > 0 && (isDigit(bytes[start - 1]) || bytes[start - 1] == UInt8(ascii: "-")) { start -= 1 }
        while end < bytes.count && isDigit(bytes[end]) { end += 1 }
        let number = Self.extremeNumbers[rng.nextInt(in: 0..<Self.extremeNumbers.count)]
        bytes.replaceSubrange(start..<end, with: Array(number.utf8))
    }

    /// Recomputes the CRC of every complete chunk after the 8-byte signature.
    static func fixPNGChecksums(_ bytes: inout [UInt8]) {
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length <= bytes.count - offset - 12 else { return }
            let crc = crc32(bytes[(offset + 4)..<(offset + 8 + length)])
            for k in 0..<4 { bytes[offset + 8 + length + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
            offset += 12 + length
        }
    }

    private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// Runs a parser over mutated inputs and counts the outcomes. A crash ends the process (the test run fails);
/// an input slower than `slowLimit` seconds is returned as a failure to report.
public struct FuzzRun {
    /// Inputs the parser accepted.
    public var parsed = 0
    /// Inputs the parser refused with a thrown error.
    public var refused = 0
    /// The slowest input: its iteration and seconds.
    public var slowest: (iteration: Int, seconds: Double) = (0, 0)

    /// Feeds `iterations` mutations of `seeds` (cycled) made with `seed` to `parse`.
    /// `parse` returns normally or throws; anything else (a trap) is the failure the fuzzing looks for.
    public static func run(seeds: [Data], iterations: Int, seed: UInt64, png: Bool = false,
                           parse: (Data) throws -> Void) -> FuzzRun {
        var mutator = InputMutator(seed: seed)
        var result = FuzzRun()
        for iteration in 0..<iterations {
            let input = mutator.mutate(seeds[iteration % seeds.count], png: png)
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                try parse(input)
                result.parsed += 1
            } catch {
                result.refused += 1
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if seconds > result.slowest.seconds { result.slowest = (iteration, seconds) }
        }
        return result
    }

    /// `parsed 12, refused 288, slowest 0.004 s (iteration 17)`.
    public var summary: String {
        "parsed \(parsed), refused \(refused), slowest \(String(format: "%.3f", slowest.seconds)) s (iteration \(slowest.iteration))"
    }
}
