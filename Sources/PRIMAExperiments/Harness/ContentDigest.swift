import Foundation

/// A 64-bit FNV-1a digest of text and file bytes: how the harness recognises what produced a file (a run folder's
/// data, a shared stage's settings, a cached stage-3 feature file) without storing it. Not cryptographic: it
/// tells apart honest changes, not forgeries.
struct ContentDigest {
    /// The digest so far (the FNV-1a offset basis before anything is added).
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    /// Adds the UTF-8 bytes of `text`.
    mutating func add(_ text: String) {
        for byte in text.utf8 { mix(byte) }
    }

    /// Adds the bytes of the file at `url`.
    /// - Throws: ``ExperimentError`` `.io` naming the file when it cannot be read.
    mutating func add(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw ExperimentError(.io, "cannot read \(url.path): \(error.localizedDescription)")
        }
        data.withUnsafeBytes { bytes in for byte in bytes { mix(byte) } }
    }

    /// Sixteen hex digits.
    var hex: String { String(format: "%016llx", value) }

    private mutating func mix(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    /// The digest of `text`.
    static func of(_ text: String) -> ContentDigest {
        var digest = ContentDigest()
        digest.add(text)
        return digest
    }
}
