import PRIMANN
import PRIMATensor

/// Cos/sin tables of DINOv3's 2-D rotary embedding for one patch grid, applied to the token rows from
/// `prefix` on (the CLS and register tokens before them are not rotated).
struct RotaryTables {
    /// `[patches, headDim]`.
    let cos: Tensor
    /// `[patches, headDim]`.
    let sin: Tensor
    /// Tokens before the first patch (CLS + registers).
    let prefix: Int
}

/// Fused layout kernels of the DINOv3 layer: each is one pass over memory forward and backward, where the
/// same computation from generic ops (reshape, permute, narrow, rotate, concat, broadcast multiply, add)
/// would take several.
enum DINOv3Kernels {
    /// `[B, L, H·Dh]` → `[B, H, L, Dh]`, rotating the rows of tokens `prefix…` by `rotary` when given.
    static func splitHeads(_ x: Tensor, heads: Int, rotary: RotaryTables?) -> Tensor {
        let (b, l, d) = (x.shape[0], x.shape[1], x.shape[2])
        let dh = d / heads
        if let rotary { precondition(rotary.cos.shape == [l - rotary.prefix, dh], "RoPE tables \(rotary.cos.shape) for \(x.shape)") }
        let out = Tensor(uninitializedShape: [b, heads, l, dh])
        relayout(from: x, to: out, batch: b, tokens: l, heads: heads, headDim: dh, toHeads: true, rotary: rotary, inverse: false)
        return Tensor.record(out, inputs: [x]) { g in
            let gx = Tensor(uninitializedShape: [b, l, d])
            relayout(from: g, to: gx, batch: b, tokens: l, heads: heads, headDim: dh, toHeads: false, rotary: rotary, inverse: true)
            return [gx]
        }
    }

    /// `[B, H, L, Dh]` → `[B, L, H·Dh]`.
    static func mergeHeads(_ x: Tensor) -> Tensor {
        let (b, h, l, dh) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let out = Tensor(uninitializedShape: [b, l, h * dh])
        relayout(from: x, to: out, batch: b, tokens: l, heads: h, headDim: dh, toHeads: false, rotary: nil, inverse: false)
        return Tensor.record(out, inputs: [x]) { g in
            let gx = Tensor(uninitializedShape: [b, h, l, dh])
            relayout(from: g, to: gx, batch: b, tokens: l, heads: h, headDim: dh, toHeads: true, rotary: nil, inverse: false)
            return [gx]
        }
    }

    /// Copies every (batch, token, head) row between the token-major and head-major layouts, rotating
    /// patch rows by the tables (or by their transpose, the gradient map, with `inverse`).
    private static func relayout(from source: Tensor, to destination: Tensor, batch: Int, tokens: Int, heads: Int,
                                 headDim dh: Int, toHeads: Bool, rotary: RotaryTables?, inverse: Bool) {
        let src = UnsafePointer(source.storage.pointer), dst = destination.storage.pointer
        let d = heads * dh, half = dh / 2
        let prefix = rotary?.prefix ?? tokens
        let pc = rotary.map { UnsafePointer($0.cos.storage.pointer) }, ps = rotary.map { UnsafePointer($0.sin.storage.pointer) }
        Parallel.forEachRange(batch * tokens, costPerItem: d * 2) { range in
            for row in range {
                let bi = row / tokens, t = row % tokens
                for h in 0..<heads {
                    let tokenOffset = row * d + h * dh, headOffset = ((bi * heads + h) * tokens + t) * dh
                    let x = src + (toHeads ? tokenOffset : headOffset), o = dst + (toHeads ? headOffset : tokenOffset)
                    guard t >= prefix, let pc, let ps else {
                        o.update(from: x, count: dh)
                        continue
                    }
                    let c = pc + (t - prefix) * dh, s = ps + (t - prefix) * dh
                    if inverse {
                        for i in 0..<half {
                            let (lo, hi) = (x[i], x[i + half])
                            o[i] = lo * c[i] + hi * s[i + half]
                            o[i + half] = hi * c[i + half] - lo * s[i]
                        }
                    } else {
                        for i in 0..<half {
                            let (lo, hi) = (x[i], x[i + half])
                            o[i] = lo * c[i] - hi * s[i]
                            o[i + half] = hi * c[i + half] + lo * s[i + half]
                        }
                    }
                }
            }
        }
    }

    /// LayerScale and the residual connection in one pass: `residual + branch · scale`, with `scale`
    /// `[D]` broadcast over the rows of `[…, D]` tensors.
    static func scaledResidual(_ residual: Tensor, _ branch: Tensor, scale: Tensor) -> Tensor {
        precondition(residual.shape == branch.shape && scale.shape == [branch.shape.last ?? 0],
                     "scaled residual: \(residual.shape) + \(branch.shape) · \(scale.shape)")
        let d = scale.count, rows = branch.count / max(d, 1)
        let out = Tensor(uninitializedShape: branch.shape)
        let pr = UnsafePointer(residual.storage.pointer), pb = UnsafePointer(branch.storage.pointer)
        let pl = UnsafePointer(scale.storage.pointer), po = out.storage.pointer
        Parallel.forEachRange(rows, costPerItem: d) { range in
            for r in range {
                let o = po + r * d, x = pb + r * d, res = pr + r * d
                for j in 0..<d { o[j] = res[j] + x[j] * pl[j] }
            }
        }
        // Save only what the gradients read: the branch for the scale's gradient, the scale for the branch's.
        let needsResidual = residual.requiresGrad
        let savedBranch = scale.requiresGrad ? branch.detached() : nil, savedScale = branch.requiresGrad ? scale.detached() : nil
        return Tensor.record(out, inputs: [residual, branch, scale]) { g in
            [needsResidual ? g : nil, savedScale.map { scaledRows(g, by: $0) }, savedBranch.map { columnSumsOfProduct(g, $0) }]
        }
    }

    /// `g · scale` row by row.
    private static func scaledRows(_ g: Tensor, by scale: Tensor) -> Tensor {
        let d = scale.count, rows = g.count / max(d, 1)
        let out = Tensor(uninitializedShape: g.shape)
        let pg = UnsafePointer(g.storage.pointer), pl = UnsafePointer(scale.storage.pointer), po = out.storage.pointer
        Parallel.forEachRange(rows, costPerItem: d) { range in
            for r in range {
                let o = po + r * d, x = pg + r * d
                for j in 0..<d { o[j] = x[j] * pl[j] }
            }
        }
        return out
    }

    /// `Σ_rows a · b` per column, `[D]`: each worker sums its own block of rows, then the blocks are added
    /// in a fixed order (deterministic).
    private static func columnSumsOfProduct(_ a: Tensor, _ b: Tensor) -> Tensor {
        let d = a.shape[a.rank - 1], rows = a.count / max(d, 1)
        let parts = max(1, min(Parallel.threadCount, rows / 64))
        let partial = Tensor.zeros([parts, d])
        let pa = UnsafePointer(a.storage.pointer), pb = UnsafePointer(b.storage.pointer), pp = partial.storage.pointer
        Parallel.forEachRange(parts, costPerItem: rows / parts * d) { range in
            for part in range {
                let acc = pp + part * d
                for r in (rows * part / parts)..<(rows * (part + 1) / parts) {
                    let x = pa + r * d, y = pb + r * d
                    for j in 0..<d { acc[j] += x[j] * y[j] }
                }
            }
        }
        let out = Tensor.zeros([d])
        let po = out.storage.pointer
        for part in 0..<parts { for j in 0..<d { po[j] += pp[part * d + j] } }
        return out
    }
}

extension DINOv3Kernels {
    /// The gated MLP's hidden activation `act(gate) · up` (SwiGLU for SiLU) in one pass forward and one
    /// backward, block by block so that each block stays in cache; saves only `gate` and `up`.
    static func gatedActivation(_ gate: Tensor, _ up: Tensor, _ activation: ActivationFunction) -> Tensor {
        precondition(gate.shape == up.shape, "gated activation: gate \(gate.shape) and up \(up.shape) differ")
        guard let (forward, derivative) = activation.vectorisedKernels else { return activation(gate) * up }
        let n = gate.count, block = 4096
        let out = Tensor(uninitializedShape: gate.shape)
        let pg = UnsafePointer(gate.storage.pointer), pu = UnsafePointer(up.storage.pointer), po = out.storage.pointer
        Parallel.forEachRange((n + block - 1) / block, costPerItem: block * 8) { blocks in
            for b in blocks {
                let start = b * block, count = min(block, n - start)
                forward(pg + start, po + start, count)
                let o = po + start, u = pu + start
                for i in 0..<count { o[i] *= u[i] }
            }
        }
        let needsGate = gate.requiresGrad, needsUp = up.requiresGrad
        let savedGate = gate.detached(), savedUp = up.detached()  // keep the storages alive for the backward
        return Tensor.record(out, inputs: [gate, up]) { g in
            let pg = UnsafePointer(savedGate.storage.pointer), pu = UnsafePointer(savedUp.storage.pointer)
            let gradGate = needsGate ? Tensor(uninitializedShape: g.shape) : nil
            let gradUp = needsUp ? Tensor(uninitializedShape: g.shape) : nil
            let pdg = gradGate?.storage.pointer, pdu = gradUp?.storage.pointer
            let pgrad = UnsafePointer(g.storage.pointer)
            Parallel.forEachRange((n + block - 1) / block, costPerItem: block * 16) { blocks in
                for b in blocks {
                    let start = b * block, count = min(block, n - start)
                    let dy = pgrad + start, u = pu + start
                    if let pdu {  // d/d up = g · act(gate)
                        let d = pdu + start
                        forward(pg + start, d, count)
                        for i in 0..<count { d[i] *= dy[i] }
                    }
                    if let pdg {  // d/d gate = act'(gate) · g · up (the C kernel may work in place)
                        let d = pdg + start
                        for i in 0..<count { d[i] = dy[i] * u[i] }
                        derivative(pg + start, d, d, count)
                    }
                }
            }
            return [gradGate, gradUp]
        }
    }
}
