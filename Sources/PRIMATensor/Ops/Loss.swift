import CPRIMAKernels

/// How a loss turns its per-sample values into the result.
public enum LossReduction: String, Sendable, Codable, CaseIterable {
    /// The per-sample losses, unreduced.
    case none
    /// The (weighted) mean, with PyTorch's normalisation.
    case mean
    /// The sum.
    case sum
}

/// Softmax cross-entropy fused with its log-softmax (PyTorch `F.cross_entropy`).
extension Tensor {
    /// Cross-entropy between `logits` and `targets`, matching `torch.nn.functional.cross_entropy`.
    ///
    /// - `logits`: `[N, C]`, `[N, C, d1, ...]` (classes on axis 1) or `[C]`.
    /// - `targets`: class indices (as floats) of shape `[N]` / `[N, d1, ...]` / `[]`, or — when it has the
    ///   shape of `logits` — class probabilities (soft targets), which also receive a gradient.
    /// - `weights`: optional per-class weights `[C]`; with `.mean` the loss of hard targets is divided by
    ///   the summed weights of the counted samples, of soft targets by the number of samples.
    /// - `ignoreIndex`: hard targets equal to it contribute nothing (nor to the mean's denominator).
    /// - `labelSmoothing`: mixes the target with the uniform distribution: `(1 - ε) target + ε / C`.
    public static func crossEntropy(logits: Tensor, targets: Tensor, weights: Tensor? = nil, ignoreIndex: Int = -100,
                                    labelSmoothing: Float = 0, reduction: LossReduction = .mean) -> Tensor {
        precondition(logits.rank >= 1, "cross-entropy logits must have a class axis, got shape \(logits.shape)")
        precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "label smoothing \(labelSmoothing) outside [0, 1]")
        let soft = targets.shape == logits.shape
        let classAxis = logits.rank == 1 ? 0 : 1
        let classes = logits.shape[classAxis]
        precondition(classes > 0, "cross-entropy over zero classes")
        if let weights { precondition(weights.shape == [classes], "class weights \(weights.shape) for \(classes) classes") }
        var sampleShape = logits.shape
        sampleShape.remove(at: classAxis)
        precondition(soft || targets.shape == sampleShape,
                     "cross-entropy targets \(targets.shape) for logits \(logits.shape): expected \(sampleShape) or \(logits.shape)")

        // Lay the problem out as [samples, classes] rows.
        let order = [0] + Array(2..<Swift.max(2, logits.rank)) + [1]
        let rowLogits = logits.rank <= 2 ? logits.reshaped([-1, classes]) : logits.permuted(order).reshaped([-1, classes])
        let rowTargets: Tensor
        if soft {
            rowTargets = logits.rank <= 2 ? targets.reshaped([-1, classes]) : targets.permuted(order).reshaped([-1, classes])
        } else {
            rowTargets = targets.reshaped([-1])
        }
        let options = CrossEntropyRows(weights: weights?.detached() ?? Tensor.ones([classes]), ignoreIndex: ignoreIndex,
                                       smoothing: labelSmoothing, reduction: reduction)
        let loss = options.apply(logits: rowLogits, targets: rowTargets, soft: soft)
        return reduction == .none ? loss.reshaped(sampleShape) : loss
    }
}

/// The cross-entropy of `[rows, classes]` logits. Each row's loss is `-sum_c q_c log p_c` with `q` the
/// (smoothed, weighted) target distribution, so the logit gradient is `p * sum(q) - q` per row.
private struct CrossEntropyRows {
    let weights: Tensor
    let ignoreIndex: Int
    let smoothing: Float
    let reduction: LossReduction

    func apply(logits z: Tensor, targets t: Tensor, soft: Bool) -> Tensor {
        let rows = z.shape[0], classes = z.shape[1]
        let lse = VectorMath.logSumExpRows(z.detached())
        let losses = Tensor(uninitializedShape: [rows])
        let totals = Tensor(uninitializedShape: [rows])   // sum_c q_c per row
        let counted = Tensor(uninitializedShape: [rows])  // the row's share of the mean's denominator
        let pz = z.storage.pointer, pt = t.storage.pointer, pw = weights.storage.pointer, pl = lse.storage.pointer
        let pLoss = losses.storage.pointer, pTotal = totals.storage.pointer, pCount = counted.storage.pointer
        let keep = 1 - smoothing, uniform = smoothing / Float(classes)
        let weightSum = weights.scalars.reduce(0, +)
        let ignore = ignoreIndex
        Parallel.forEachRange(rows, costPerItem: soft || smoothing > 0 ? classes * 4 : 8) { range in
            for i in range {
                let zi = pz + i * classes, l = pl[i]
                if soft {
                    let ti = pt + i * classes
                    var loss: Float = 0, total: Float = 0
                    for c in 0..<classes {
                        let q = (keep * ti[c] + uniform) * pw[c]
                        loss += q * (l - zi[c])
                        total += q
                    }
                    (pLoss[i], pTotal[i], pCount[i]) = (loss, total, 1)
                    continue
                }
                precondition(pt[i].isFinite, "cross-entropy target \(pt[i]) is not a class index")
                let label = Int(pt[i])
                if label == ignore {
                    (pLoss[i], pTotal[i], pCount[i]) = (0, 0, 0)
                    continue
                }
                precondition(label >= 0 && label < classes, "cross-entropy target \(label) outside 0..<\(classes)")
                let wy = pw[label]
                var loss = keep * wy * (l - zi[label])
                if smoothing > 0 {
                    var smooth: Float = 0
                    for c in 0..<classes { smooth += pw[c] * (l - zi[c]) }
                    loss += uniform * smooth
                }
                (pLoss[i], pTotal[i], pCount[i]) = (loss, keep * wy + uniform * weightSum, wy)
            }
        }
        let denominator = counted.scalars.reduce(0.0) { $0 + Double($1) }
        let out: Tensor
        switch reduction {
        case .none: out = losses
        case .sum: out = Tensor(Float(losses.scalars.reduce(0.0) { $0 + Double($1) }))
        case .mean: out = Tensor(Float(losses.scalars.reduce(0.0) { $0 + Double($1) } / denominator))
        }
        let reduction = reduction
        return Tensor.record(out, inputs: soft ? [z, t] : [z]) { g in
            // Pointers are taken again from the captured tensors, which keep the saved rows alive.
            let pz = z.storage.pointer, pt = t.storage.pointer, pw = weights.storage.pointer
            let pl = lse.storage.pointer, pTotal = totals.storage.pointer
            // The gradient of each row's loss, per reduction.
            let scales: [Float] = switch reduction {
            case .none: g.scalars
            case .sum: [Float](repeating: g.item, count: rows)
            case .mean: [Float](repeating: Float(Double(g.item) / denominator), count: rows)
            }
            var dz: Tensor?
            if z.requiresGrad {
                let probabilities = VectorMath.mapRows(z.detached(), prima_softmax_rows_f32)
                let pd = probabilities.storage.pointer
                Parallel.forEachRange(rows, costPerItem: classes * 2) { range in
                    for i in range {
                        let di = pd + i * classes, s = scales[i]
                        if !soft && Int(pt[i]) == ignore {
                            for c in 0..<classes { di[c] = 0 }
                            continue
                        }
                        let a = s * pTotal[i]
                        for c in 0..<classes { di[c] *= a }
                        if soft {
                            let ti = pt + i * classes
                            for c in 0..<classes { di[c] -= s * (keep * ti[c] + uniform) * pw[c] }
                        } else {
                            let label = Int(pt[i])
                            di[label] -= s * keep * pw[label]
                            if smoothing > 0 { for c in 0..<classes { di[c] -= s * uniform * pw[c] } }
                        }
                    }
                }
                dz = probabilities
            }
            var dt: Tensor?
            if soft && t.requiresGrad {
                let targetGrad = Tensor(uninitializedShape: [rows, classes])
                let pg = targetGrad.storage.pointer
                for i in 0..<rows {
                    let zi = pz + i * classes, gi = pg + i * classes, s = scales[i] * keep, l = pl[i]
                    for c in 0..<classes { gi[c] = s * pw[c] * (l - zi[c]) }
                }
                dt = targetGrad
            }
            return soft ? [dz, dt] : [dz]
        }
    }
}
