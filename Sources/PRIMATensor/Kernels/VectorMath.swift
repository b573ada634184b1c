import CPRIMAKernels

/// Swift entry points to the vectorised C kernels of `CPRIMAKernels` (exp, tanh, sigmoid, erf, GELU, SiLU,
/// softmax, norms), which are compiled for AVX-512, AVX2+FMA and a baseline and picked at load time.
///
/// The tensor-level helpers split large inputs across cores with ``Parallel/forEachRange(_:costPerItem:_:)``;
/// the raw-pointer functions are single-threaded building blocks for other kernels (attention, for example).
public enum VectorMath {
    /// A C kernel `y[i] = f(x[i])` over `n` elements.
    public typealias UnaryKernel = @convention(c) (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    /// A C kernel `out[i] = f(a[i], b[i])` over `n` elements (a backward pass: saved tensor and output gradient).
    public typealias BinaryKernel = @convention(c) (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    /// A C kernel over `rows` contiguous rows of `cols` elements.
    public typealias RowKernel = @convention(c) (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void
    /// A row kernel reading two same-shaped inputs.
    public typealias BinaryRowKernel = @convention(c) (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void

    /// Work units per element of the transcendental kernels, for the parallel threshold.
    static let elementCost = 2

    // MARK: Tensor-level helpers (no autodiff)

    /// `kernel` applied to every element of `x`, in parallel for large tensors.
    public static func map(_ x: Tensor, _ kernel: UnaryKernel) -> Tensor {
        let out = Tensor(uninitializedShape: x.shape)
        let px = UnsafePointer(x.storage.pointer), po = out.storage.pointer
        Parallel.forEachRange(x.count, costPerItem: elementCost) { r in
            kernel(px + r.lowerBound, po + r.lowerBound, r.count)
        }
        return out
    }

    /// `kernel` applied elementwise to two tensors of the same shape.
    public static func map(_ a: Tensor, _ b: Tensor, _ kernel: BinaryKernel) -> Tensor {
        precondition(a.shape == b.shape, "elementwise kernel on shapes \(a.shape) and \(b.shape)")
        let out = Tensor(uninitializedShape: a.shape)
        let pa = UnsafePointer(a.storage.pointer), pb = UnsafePointer(b.storage.pointer), po = out.storage.pointer
        Parallel.forEachRange(a.count, costPerItem: elementCost) { r in
            kernel(pa + r.lowerBound, pb + r.lowerBound, po + r.lowerBound, r.count)
        }
        return out
    }

    /// The number of rows of `shape` when its last axis is the row (a 0-d tensor is one row of one).
    static func rowsAndColumns(_ shape: [Int]) -> (rows: Int, cols: Int) {
        let cols = shape.last ?? 1
        return (cols == 0 ? 0 : Shape.count(shape) / cols, cols)
    }

    /// `kernel` applied to the rows (last axis) of `x`, rows split across cores.
    public static func mapRows(_ x: Tensor, _ kernel: RowKernel) -> Tensor {
        let out = Tensor(uninitializedShape: x.shape)
        let (rows, cols) = rowsAndColumns(x.shape)
        let px = UnsafePointer(x.storage.pointer), po = out.storage.pointer
        Parallel.forEachRange(rows, costPerItem: cols * elementCost) { r in
            kernel(px + r.lowerBound * cols, po + r.lowerBound * cols, r.count, cols)
        }
        return out
    }

    /// `kernel` applied to the rows of two same-shaped tensors.
    public static func mapRows(_ a: Tensor, _ b: Tensor, _ kernel: BinaryRowKernel) -> Tensor {
        precondition(a.shape == b.shape, "row kernel on shapes \(a.shape) and \(b.shape)")
        let out = Tensor(uninitializedShape: a.shape)
        let (rows, cols) = rowsAndColumns(a.shape)
        let pa = UnsafePointer(a.storage.pointer), pb = UnsafePointer(b.storage.pointer), po = out.storage.pointer
        Parallel.forEachRange(rows, costPerItem: cols * elementCost) { r in
            let offset = r.lowerBound * cols
            kernel(pa + offset, pb + offset, po + offset, r.count, cols)
        }
        return out
    }

    /// Log-sum-exp of every row (last axis) of `x`, as a tensor of shape `x.shape.dropLast()`.
    public static func logSumExpRows(_ x: Tensor) -> Tensor {
        let (rows, cols) = rowsAndColumns(x.shape)
        let out = Tensor(uninitializedShape: Array(x.shape.dropLast()))
        let px = UnsafePointer(x.storage.pointer), po = out.storage.pointer
        Parallel.forEachRange(rows, costPerItem: cols * elementCost) { r in
            prima_logsumexp_rows_f32(px + r.lowerBound * cols, po + r.lowerBound, r.count, cols)
        }
        return out
    }

    // MARK: Raw single-threaded kernels

    /// `y[i] = exp(x[i])` for `i < count`; `y` may equal `x`. Relative error below 2e-7; overflow gives +inf,
    /// underflow goes through the subnormals to 0, NaN stays NaN.
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        prima_exp_f32(x, y, count)
    }

    /// `y[i] = erf(x[i])`, absolute error about 1e-7.
    public static func erf(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        prima_erf_f32(x, y, count)
    }

    /// `y[i] = tanh(x[i])`.
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        prima_tanh_f32(x, y, count)
    }

    /// Softmax of `rows` contiguous rows of `cols` elements; `y` may equal `x`.
    public static func softmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        prima_softmax_rows_f32(x, y, rows, cols)
    }

    /// `out[r] = log(sum(exp(x[r, :])))` for `rows` contiguous rows of `cols` elements.
    public static func logSumExpRows(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        prima_logsumexp_rows_f32(x, out, rows, cols)
    }
}
