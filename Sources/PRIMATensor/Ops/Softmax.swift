import CPRIMAKernels

/// Softmax and log-softmax along any axis. The last axis runs on the row kernels directly; another axis is
/// moved last and back (two copies), since attention and classifiers use the last axis.
extension Tensor {
    /// `exp(x) / sum(exp(x))` along `axis` (default: the last). A slice whose maximum is infinite gives NaN,
    /// as in PyTorch.
    public func softmax(axis: Int = -1) -> Tensor {
        lastAxisOp(axis) { x in
            let out = VectorMath.mapRows(x, prima_softmax_rows_f32)
            return Tensor.record(out, inputs: [x]) { g in
                [VectorMath.mapRows(out, g, prima_softmax_backward_rows_f32)]
            }
        }
    }

    /// `x - log(sum(exp(x)))` along `axis` (default: the last), computed stably.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        lastAxisOp(axis) { x in
            let out = VectorMath.mapRows(x, prima_log_softmax_rows_f32)
            return Tensor.record(out, inputs: [x]) { g in
                [VectorMath.mapRows(out, g, prima_log_softmax_backward_rows_f32)]
            }
        }
    }

    /// Applies a last-axis op along `axis` by swapping that axis with the last one around it.
    private func lastAxisOp(_ axis: Int, _ op: (Tensor) -> Tensor) -> Tensor {
        if rank == 0 { return op(reshaped([1])).reshaped([]) }
        let a = Shape.axis(axis, rank: rank)
        if a == rank - 1 { return op(self) }
        return op(transposed(a, rank - 1)).transposed(a, rank - 1)
    }
}
