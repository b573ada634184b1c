/// The scalar functions behind the elementwise binary kernels. Each is a type rather than a closure
/// so that the generic kernels specialise to a tight, vectorisable loop per function. Selections are
/// written as nested `?:` rather than `||`, which would branch and keep the loop scalar.
public protocol BinaryScalarFunction {
    static func apply(_ a: Float, _ b: Float) -> Float
}

/// `a + b`.
public enum AddFunction: BinaryScalarFunction { @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
/// `a - b`.
public enum SubFunction: BinaryScalarFunction { @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
/// `a * b`.
public enum MulFunction: BinaryScalarFunction { @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
/// `a / b`.
public enum DivFunction: BinaryScalarFunction { @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a / b } }

/// The larger of `a` and `b`; NaN when either is NaN (as `torch.maximum`).
public enum MaxFunction: BinaryScalarFunction {
    /// `max(a, b)`, NaN if either is NaN.
    @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a.isNaN ? a : (a >= b ? a : b) }
}

/// The smaller of `a` and `b`; NaN when either is NaN (as `torch.minimum`).
public enum MinFunction: BinaryScalarFunction {
    /// `min(a, b)`, NaN if either is NaN.
    @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a.isNaN ? a : (a <= b ? a : b) }
}

/// Share of the output gradient that `torch.maximum` gives its first operand: 1 where it is larger,
/// 1/2 on ties, 0 where it is smaller.
enum MaxGradientShareFunction: BinaryScalarFunction {
    @inlinable static func apply(_ a: Float, _ b: Float) -> Float { a < b ? 0 : (a == b ? 0.5 : 1) }
}

/// Share of the output gradient that `torch.minimum` gives its first operand.
enum MinGradientShareFunction: BinaryScalarFunction {
    @inlinable static func apply(_ a: Float, _ b: Float) -> Float { a > b ? 0 : (a == b ? 0.5 : 1) }
}

/// 1 where `a == b`, else 0.
enum EqualFunction: BinaryScalarFunction {
    @inlinable static func apply(_ a: Float, _ b: Float) -> Float { a == b ? 1 : 0 }
}
