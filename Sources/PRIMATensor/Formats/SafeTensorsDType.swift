/// The element types of safetensors files that PRIMA-Swift reads and writes, named as in the file header.
///
/// Every type is read into Float32 tensors; integers and booleans become their numeric value (integers
/// beyond ±2^24 round to the nearest float).
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// Whether the type holds integers (or booleans), so written values must be whole numbers in range.
    public var isInteger: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: return false
        case .i64, .i32, .i16, .i8, .u8, .bool: return true
        }
    }

    /// Rank in the reference library's dtype order (alignment first): its writer lays tensors out by
    /// descending rank, then by name, and so does ``SafeTensors/write(_:dtypes:metadata:to:)``.
    var layoutRank: Int {
        switch self {
        case .bool: return 0
        case .u8: return 1
        case .i8: return 2
        case .i16: return 3
        case .f16: return 4
        case .bf16: return 5
        case .i32: return 6
        case .f32: return 7
        case .f64: return 8
        case .i64: return 9
        }
    }

    /// The smallest and largest whole values an integer type holds.
    var integerRange: ClosedRange<Double>? {
        switch self {
        case .i64: return -0x1p63...0x1p63   // the upper end, 2^63, is excluded by the writer
        case .i32: return Double(Int32.min)...Double(Int32.max)
        case .i16: return Double(Int16.min)...Double(Int16.max)
        case .i8: return Double(Int8.min)...Double(Int8.max)
        case .u8: return 0...255
        case .bool: return 0...1
        case .f64, .f32, .f16, .bf16: return nil
        }
    }
}
