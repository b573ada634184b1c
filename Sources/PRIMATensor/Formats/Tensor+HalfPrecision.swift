extension Tensor {
    /// A tensor from IEEE half bit patterns (row-major), converted exactly to Float32.
    public init(halfBits: [UInt16], shape: [Int]) {
        precondition(halfBits.count == Shape.count(shape), "\(halfBits.count) half values for shape \(shape)")
        self.init(uninitializedShape: shape)
        let destination = storage.pointer
        halfBits.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { HalfPrecision.convert(halfBits: base, to: destination, count: source.count) }
        }
    }

    /// A tensor from bfloat16 bit patterns (row-major), converted exactly to Float32.
    public init(bfloat16Bits: [UInt16], shape: [Int]) {
        precondition(bfloat16Bits.count == Shape.count(shape), "\(bfloat16Bits.count) bfloat16 values for shape \(shape)")
        self.init(uninitializedShape: shape)
        let destination = storage.pointer
        bfloat16Bits.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { HalfPrecision.convert(bfloat16Bits: base, to: destination, count: source.count) }
        }
    }

    /// The elements as IEEE half bit patterns (round to nearest even), row-major.
    public func halfBits() -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { HalfPrecision.convert(floats: storage.pointer, toHalfBits: base, count: count) }
            initialized = count
        }
    }

    /// The elements as bfloat16 bit patterns (round to nearest even), row-major.
    public func bfloat16Bits() -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { HalfPrecision.convert(floats: storage.pointer, toBFloat16Bits: base, count: count) }
            initialized = count
        }
    }

    /// The values a half-precision copy would hold: each element rounded to the nearest IEEE half.
    /// The result is a constant (not recorded by autodiff).
    public func roundedToHalf() -> Tensor { Tensor(halfBits: halfBits(), shape: shape) }

    /// The values a bfloat16 copy would hold: each element rounded to the nearest bfloat16.
    /// The result is a constant (not recorded by autodiff).
    public func roundedToBFloat16() -> Tensor { Tensor(bfloat16Bits: bfloat16Bits(), shape: shape) }
}
