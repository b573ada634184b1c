/// GPT-2's byte-to-character table: each byte becomes a printable Unicode scalar, so that byte-level BPE
/// vocabularies are readable strings (`Ġ` is the space byte, `Ċ` the newline byte).
enum ByteLevel {
    /// The scalar of each byte 0…255.
    static let scalarOfByte: [Unicode.Scalar] = {
        var visible = Array(33...126) + Array(161...172) + Array(174...255)
        var scalars = visible.map { UInt32($0) }
        var next: UInt32 = 256
        for byte in 0...255 where !visible.contains(byte) {
            visible.append(byte)
            scalars.append(next)
            next += 1
        }
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for (byte, scalar) in zip(visible, scalars) { table[byte] = Unicode.Scalar(scalar)! }
        return table
    }()

    /// The byte of each mapped scalar (the inverse of ``scalarOfByte``).
    static let byteOfScalar: [Unicode.Scalar: UInt8] = {
        var table: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in scalarOfByte.enumerated() { table[scalar] = UInt8(byte) }
        return table
    }()

    /// `text`'s UTF-8 bytes, each as its mapped scalar.
    static func encode(_ text: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for s in text {
            if s.value < 128 {
                out.append(scalarOfByte[Int(s.value)])
            } else {
                for byte in UTF8.encode(s)! { out.append(scalarOfByte[Int(byte)]) }
            }
        }
        return out
    }
}
