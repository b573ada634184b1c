/// Element conversions between safetensors' little-endian storage types and Float32.
enum SafeTensorsDecoding {
    /// Converts `count` elements of `dtype` from `bytes` (any alignment) into `destination`.
    static func decode(_ bytes: UnsafeRawBufferPointer, as dtype: SafeTensorsDType, into destination: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0, let source = bytes.baseAddress else { return }
        switch dtype {
        case .f32:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        case .f16, .bf16:
            let convert = dtype == .f16 ? HalfPrecision.convert(halfBits:to:count:) : HalfPrecision.convert(bfloat16Bits:to:count:)
            if Int(bitPattern: source) % MemoryLayout<UInt16>.alignment == 0 {
                convert(source.bindMemory(to: UInt16.self, capacity: count), destination, count)
            } else {
                // Only hand-made files misalign 16-bit data; copy to an aligned buffer first.
                let aligned = [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
                    UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: source, byteCount: count * 2)
                    initialized = count
                }
                aligned.withUnsafeBufferPointer { convert($0.baseAddress!, destination, count) }
            }
        case .f64: widen(source, Double.self, into: destination, count: count)
        case .i64: widen(source, Int64.self, into: destination, count: count)
        case .i32: widen(source, Int32.self, into: destination, count: count)
        case .i16: widen(source, Int16.self, into: destination, count: count)
        case .i8: widen(source, Int8.self, into: destination, count: count)
        case .u8: widen(source, UInt8.self, into: destination, count: count)
        case .bool:
            // Any non-zero byte is true, as in C and NumPy.
            Parallel.forEachRange(count) { range in
                for i in range { destination[i] = source.load(fromByteOffset: i, as: UInt8.self) == 0 ? 0 : 1 }
            }
        }
    }

    @inline(__always)
    private static func widen<Element: BinaryInteger>(_ source: UnsafeRawPointer, _: Element.Type, into destination: UnsafeMutablePointer<Float>, count: Int) {
        let stride = MemoryLayout<Element>.size
        Parallel.forEachRange(count) { range in
            for i in range { destination[i] = Float(source.loadUnaligned(fromByteOffset: i * stride, as: Element.self)) }
        }
    }

    @inline(__always)
    private static func widen(_ source: UnsafeRawPointer, _: Double.Type, into destination: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEachRange(count) { range in
            for i in range { destination[i] = Float(source.loadUnaligned(fromByteOffset: i * 8, as: Double.self)) }
        }
    }
}

/// Float32 → storage type conversions for the writer.
enum SafeTensorsEncoding {
    /// Writes `count` elements of `source` as `dtype` to `destination` (`count * dtype.size` bytes).
    /// Returns the index of the first element an integer dtype cannot hold exactly (a fraction, NaN,
    /// infinity, or out of range), or `nil` when all were written.
    static func encode(_ source: UnsafePointer<Float>, count: Int, as dtype: SafeTensorsDType, into destination: UnsafeMutableRawPointer) -> Int? {
        guard count > 0 else { return nil }
        switch dtype {
        case .f32: destination.copyMemory(from: source, byteCount: count * 4)
        case .f16: HalfPrecision.convert(floats: source, toHalfBits: destination.bindMemory(to: UInt16.self, capacity: count), count: count)
        case .bf16: HalfPrecision.convert(floats: source, toBFloat16Bits: destination.bindMemory(to: UInt16.self, capacity: count), count: count)
        case .f64: for i in 0..<count { destination.storeBytes(of: Double(source[i]), toByteOffset: i * 8, as: Double.self) }
        case .i64: return narrow(source, count: count, into: destination, as: Int64.self, range: dtype.integerRange!)
        case .i32: return narrow(source, count: count, into: destination, as: Int32.self, range: dtype.integerRange!)
        case .i16: return narrow(source, count: count, into: destination, as: Int16.self, range: dtype.integerRange!)
        case .i8: return narrow(source, count: count, into: destination, as: Int8.self, range: dtype.integerRange!)
        case .u8, .bool: return narrow(source, count: count, into: destination, as: UInt8.self, range: dtype.integerRange!)
        }
        return nil
    }

    @inline(__always)
    private static func narrow<Element: FixedWidthInteger>(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer,
                                                          as _: Element.Type, range: ClosedRange<Double>) -> Int? {
        let stride = MemoryLayout<Element>.size
        for i in 0..<count {
            let value = Double(source[i])
            // `value < upperBound` for I64, whose upper bound 2^63 is not an Int64; the others hold theirs.
            let inRange = Element.bitWidth == 64 ? (value >= range.lowerBound && value < range.upperBound) : range.contains(value)
            guard inRange, value.rounded(.towardZero) == value else { return i }
            destination.storeBytes(of: Element(value).littleEndian, toByteOffset: i * stride, as: Element.self)
        }
        return nil
    }
}
