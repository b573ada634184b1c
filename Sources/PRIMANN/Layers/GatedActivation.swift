import CPRIMAKernels
import PRIMATensor

extension ActivationFunction {
    /// The gated unit of a packed projection: `act(x[…, :h]) · x[…, h:]` for `x` `[…, 2h]` (GeGLU for GELU,
    /// as ModernBERT's MLP computes it from one `Wi` product).
    ///
    /// One pass forward and one backward, row by row, reading the two halves in place: spelled out as
    /// `chunked(2)`, activation and product it copies both halves, allocates three intermediates and, in the
    /// backward pass, zero-fills and adds two full-width gradients (measured: about 2% of a ModernBERT-base
    /// training step). Activations without a vectorised kernel take that spelled-out path.
    package func gatedHalves(_ packed: Tensor) -> Tensor {
        let width = packed.shape.last ?? 0
        precondition(packed.rank >= 1 && width % 2 == 0, "gated activation: last axis of \(packed.shape) is not even")
        guard let (forward, derivative) = vectorisedKernels else {
            let halves = packed.chunked(2, axis: -1)
            return self(halves[0]) * halves[1]
        }
        let half = width / 2, rows = packed.count / Swift.max(width, 1)
        let out = Tensor(uninitializedShape: Array(packed.shape.dropLast()) + [half])
        let input = UnsafePointer(packed.storage.pointer), po = out.storage.pointer
        Parallel.forEachRange(rows, costPerItem: half * 8) { range in
            for r in range {
                let x = input + r * width, o = po + r * half
                forward(x, o, half)
                for i in 0..<half { o[i] *= x[half + i] }
            }
        }
        let saved = packed.detached()  // keeps the storage alive for the backward pass
        return Tensor.record(out, inputs: [packed]) { g in
            let input = UnsafePointer(saved.storage.pointer), dy = UnsafePointer(g.storage.pointer)
            let grad = Tensor(uninitializedShape: saved.shape)
            let pd = grad.storage.pointer
            Parallel.forEachRange(rows, costPerItem: half * 16) { range in
                for r in range {
                    let x = input + r * width, gy = dy + r * half
                    let dActivated = pd + r * width, dGate = dActivated + half
                    // d/d x = act'(x) · g · gate, with g · gate staged in the gate half: called in place the
                    // C kernel cannot assume its operands apart and ran several times slower (perf).
                    for i in 0..<half { dGate[i] = gy[i] * x[half + i] }
                    derivative(x, dGate, dActivated, half)
                    forward(x, dGate, half)  // d/d gate = g · act(x)
                    for i in 0..<half { dGate[i] *= gy[i] }
                }
            }
            return [grad]
        }
    }

    /// The C kernels (value, and derivative times an incoming gradient) of the activations that have them; nil
    /// for the others. Shared with the fused gated units of the models (DINOv3's `act(gate) · up`).
    package var vectorisedKernels: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
                                    (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? {
        switch self {
        case .silu: return ({ prima_silu_f32($0, $1, $2) }, { prima_silu_backward_f32($0, $1, $2, $3) })
        case .gelu: return ({ prima_gelu_f32($0, $1, $2) }, { prima_gelu_backward_f32($0, $1, $2, $3) })
        case .geluTanh: return ({ prima_gelu_tanh_f32($0, $1, $2) }, { prima_gelu_tanh_backward_f32($0, $1, $2, $3) })
        case .relu, .tanh: return nil
        }
    }
}
