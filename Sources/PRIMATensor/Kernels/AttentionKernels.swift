import CPRIMAKernels
import Foundation

/// Shapes and options of one attention call, with the block geometry and masking rules shared by the
/// forward and backward kernels.
struct AttentionProblem: Sendable {
    let batch, queryHeads, kvHeads, queryLength, keyLength, headDim: Int
    let scale: Float
    let pattern: AttentionPattern
    /// Shape of the rank-4 bias, if any, and its element strides over batch and head (0 where it broadcasts).
    let biasShape: [Int]?
    let biasBatchStride, biasHeadStride: Int

    init(batch: Int, queryHeads: Int, kvHeads: Int, queryLength: Int, keyLength: Int, headDim: Int,
         scale: Float, pattern: AttentionPattern, biasShape: [Int]?) {
        (self.batch, self.queryHeads, self.kvHeads) = (batch, queryHeads, kvHeads)
        (self.queryLength, self.keyLength, self.headDim) = (queryLength, keyLength, headDim)
        self.scale = scale
        self.pattern = pattern
        self.biasShape = biasShape
        if let s = biasShape {
            biasBatchStride = s[0] == 1 ? 0 : s[1] * s[2] * s[3]
            biasHeadStride = s[1] == 1 ? 0 : s[2] * s[3]
        } else {
            (biasBatchStride, biasHeadStride) = (0, 0)
        }
    }

    var groupSize: Int { queryHeads / kvHeads }
    /// Query rows per block.
    var queryBlock: Int { 64 }
    /// Keys per block. With one thread pool (``BLASThreading/sharedPool``, OpenBLAS on one thread) a block
    /// spans up to 256 keys, so that the usual sequence (ViT-S/16's 201 tokens, a 128-token text) is one
    /// block: five BLAS calls per 64 query rows in the backward pass instead of five per 64 keys, each with
    /// its own packing of both operands (one ViT-S/16 attention forward + backward: about 8% less CPU time).
    /// With OpenBLAS's own threads every block product stays at or under 64³ multiply-adds,
    /// OpenBLAS's threading threshold, so that it does not start threads inside our workers.
    var keyBlock: Int {
        if BLASThreading.current == .sharedPool { return 256 }
        return max(16, min(64, 262_144 / (queryBlock * max(headDim, 1))))
    }
    var queryBlockCount: Int { (queryLength + queryBlock - 1) / queryBlock }
    var keyBlockCount: Int { (keyLength + keyBlock - 1) / keyBlock }

    /// Inclusive range of keys that query row `i` may see by position (empty when `lower > upper`);
    /// padding and bias are applied separately. Both bounds are non-decreasing in `i`.
    @inline(__always)
    func keyBounds(ofRow i: Int) -> (lower: Int, upper: Int) {
        let p = i + keyLength - queryLength
        switch pattern {
        case .full: return (0, keyLength - 1)
        case .causal: return (0, min(p, keyLength - 1))
        case .bidirectionalWindow(let radius): return (max(0, p - radius), min(keyLength - 1, p + radius))
        case .causalWindow(let size): return (max(0, p - size + 1), min(p, keyLength - 1))
        }
    }

    /// Writes `scale · Q[i0 ..< i0+rows] · K[j0 ..< j0+cols]ᵀ + bias` for one (batch, query head) into
    /// `scores` (row stride `stride`), with keys hidden by the pattern or the padding mask set to -infinity.
    @inline(__always)
    func scoreBlock(batch b: Int, head h: Int, firstRow i0: Int, rows: Int, firstKey j0: Int, cols: Int,
                    query: UnsafePointer<Float>, key: UnsafePointer<Float>,
                    keyPadding: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                    into scores: UnsafeMutablePointer<Float>, rowStride stride: Int) {
        let d = headDim
        let kvHead = h / groupSize
        Tensor.sgemm(m: rows, n: cols, k: d,
                     a: query + ((b * queryHeads + h) * queryLength + i0) * d, lda: d, transposeA: false,
                     b: key + ((b * kvHeads + kvHead) * keyLength + j0) * d, ldb: d, transposeB: true,
                     c: scores, ldc: stride, alpha: scale, beta: 0)
        if let bias {
            let base = bias + b * biasBatchStride + h * biasHeadStride + i0 * keyLength + j0
            for r in 0..<rows {
                let src = base + r * keyLength, dst = scores + r * stride
                for c in 0..<cols { dst[c] += src[c] }
            }
        }
        let first = keyBounds(ofRow: i0), last = keyBounds(ofRow: i0 + rows - 1)
        if last.lower > j0 || first.upper < j0 + cols - 1 {
            for r in 0..<rows {
                let bounds = keyBounds(ofRow: i0 + r)
                let row = scores + r * stride
                for c in 0..<cols where j0 + c < bounds.lower || j0 + c > bounds.upper { row[c] = -.infinity }
            }
        }
        if let keyPadding {
            let keep = keyPadding + b * keyLength + j0
            for c in 0..<cols where keep[c] == 0 {
                for r in 0..<rows { scores[r * stride + c] = -.infinity }
            }
        }
    }
}

/// The exponential used by the attention softmax: in place `row[c] = exp(row[c] - shift)`, returning the
/// sum. One function so that a vectorised exp can replace libm here.
@inline(__always)
func exponentiateRow(_ row: UnsafeMutablePointer<Float>, count: Int, subtracting shift: Float) -> Float {
    prima_exp_shift_sum_f32(row, count, shift)
}

/// Flash-attention style kernels: blocks of queries × blocks of keys with an online softmax. The backward
/// pass needs only each row's log-sum-exp from the forward pass and recomputes the scores.
enum AttentionKernel {
    /// Output `[B, Hq, Lq, D]` and log-sum-exp `[B, Hq, Lq]` (+infinity for rows that see no key, so that
    /// `exp(s - lse)` is 0 for them in the backward pass).
    static func forward(_ p: AttentionProblem, query: Tensor, key: Tensor, value: Tensor,
                        keyPaddingMask: Tensor?, bias: Tensor?) -> (output: Tensor, logSumExp: Tensor) {
        let d = p.headDim
        let output = Tensor(uninitializedShape: [p.batch, p.queryHeads, p.queryLength, d])
        let logSumExp = Tensor(uninitializedShape: [p.batch, p.queryHeads, p.queryLength])
        let q = query.storage.pointer, k = key.storage.pointer, v = value.storage.pointer
        let o = output.storage.pointer, lse = logSumExp.storage.pointer
        let padding = keyPaddingMask.map { UnsafePointer($0.storage.pointer) }
        let biasPointer = bias.map { UnsafePointer($0.storage.pointer) }
        let (bq, bk, blocks) = (p.queryBlock, p.keyBlock, p.queryBlockCount)

        Parallel.forEachRange(p.batch * p.queryHeads * blocks, costPerItem: bq * max(p.keyLength, 1) * max(d, 1) * 4) { items in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: bq * bk)
            let rowMax = UnsafeMutablePointer<Float>.allocate(capacity: bq)
            let rowSum = UnsafeMutablePointer<Float>.allocate(capacity: bq)
            defer { scores.deallocate(); rowMax.deallocate(); rowSum.deallocate() }
            for item in items {
                let block = item % blocks, bh = item / blocks
                let h = bh % p.queryHeads, b = bh / p.queryHeads
                let i0 = block * bq, rows = min(bq, p.queryLength - i0)
                let out = o + (bh * p.queryLength + i0) * d
                let values = v + (b * p.kvHeads + h / p.groupSize) * p.keyLength * d
                out.initialize(repeating: 0, count: rows * d)
                rowMax.initialize(repeating: -.infinity, count: rows)
                rowSum.initialize(repeating: 0, count: rows)

                let keyEnd = p.keyBounds(ofRow: i0 + rows - 1).upper + 1
                var j0 = p.keyBounds(ofRow: i0).lower
                while j0 < keyEnd {
                    let cols = min(bk, keyEnd - j0)
                    p.scoreBlock(batch: b, head: h, firstRow: i0, rows: rows, firstKey: j0, cols: cols,
                                 query: q, key: k, keyPadding: padding, bias: biasPointer, into: scores, rowStride: cols)
                    for r in 0..<rows {
                        let s = scores + r * cols
                        var blockMax = -Float.infinity
                        for c in 0..<cols { blockMax = max(blockMax, s[c]) }
                        if blockMax == -.infinity {
                            s.update(repeating: 0, count: cols)
                            continue
                        }
                        let newMax = max(rowMax[r], blockMax)
                        let correction = Foundation.exp(rowMax[r] - newMax)
                        rowSum[r] = rowSum[r] * correction + exponentiateRow(s, count: cols, subtracting: newMax)
                        rowMax[r] = newMax
                        if correction != 1 {
                            let acc = out + r * d
                            for c in 0..<d { acc[c] *= correction }
                        }
                    }
                    Tensor.sgemm(m: rows, n: d, k: cols, a: scores, lda: cols, transposeA: false,
                                 b: values + j0 * d, ldb: d, transposeB: false, c: out, ldc: d, beta: 1)
                    j0 += cols
                }
                for r in 0..<rows {
                    let rowLSE = lse + bh * p.queryLength + i0 + r
                    if rowSum[r] == 0 {
                        rowLSE.pointee = .infinity
                        continue
                    }
                    let inverse = 1 / rowSum[r], acc = out + r * d
                    for c in 0..<d { acc[c] *= inverse }
                    rowLSE.pointee = rowMax[r] + Foundation.log(rowSum[r])
                }
            }
        }
        return (output, logSumExp)
    }

    /// Gradients of the query, key, value and (when asked) the bias, in the bias's own shape.
    ///
    /// For each block of query rows the scores and `dP = dO Vᵀ` of the row strip are recomputed key block
    /// by key block into a `[rows, visible keys]` scratch strip; `Δ = Σ P ∘ dP` is then taken from the same
    /// rounded values, as PyTorch's softmax backward does, so that `dS = P ∘ (dP − Δ)` sums to zero over a
    /// row. (Flash attention's `Δ = dO · O` leaves rounding noise of the size of `dP` in every `dS`, e.g. a
    /// non-zero dQ for a row with a single visible key.)
    ///
    /// Work items are (batch, key/value head, slice of its query rows): an item owns the dQ rows of its
    /// slice and, when a pair is not split, the dK and dV rows of its kv head, so there are no write
    /// races. With fewer (batch, kv head) pairs than threads each pair is split into slices that add
    /// into private dK/dV buffers, summed at the end.
    static func backward(_ p: AttentionProblem, outputGradient: Tensor, query: Tensor, key: Tensor, value: Tensor,
                         logSumExp: Tensor, keyPaddingMask: Tensor?, bias: Tensor?,
                         needsBiasGradient: Bool) -> (query: Tensor, key: Tensor, value: Tensor, bias: Tensor?) {
        let d = p.headDim
        let gradQuery = Tensor.zeros(query.shape), gradKey = Tensor.zeros(key.shape), gradValue = Tensor.zeros(value.shape)
        let gradBiasFull = needsBiasGradient ? Tensor.zeros([p.batch, p.queryHeads, p.queryLength, p.keyLength]) : nil

        let pairs = p.batch * p.kvHeads
        let rowBlocksPerPair = p.groupSize * p.queryBlockCount
        let slices = pairs >= Parallel.threadCount ? 1
            : max(1, min(rowBlocksPerPair, (Parallel.threadCount + pairs - 1) / pairs))
        let partialKeyGrads = (1..<slices).map { _ in Tensor.zeros(key.shape) }
        let partialValueGrads = (1..<slices).map { _ in Tensor.zeros(value.shape) }

        let q = query.storage.pointer, k = key.storage.pointer, v = value.storage.pointer
        let dO = outputGradient.storage.pointer, lse = logSumExp.storage.pointer, dQ = gradQuery.storage.pointer
        let dKSlices = [gradKey.storage.pointer] + partialKeyGrads.map(\.storage.pointer)
        let dVSlices = [gradValue.storage.pointer] + partialValueGrads.map(\.storage.pointer)
        let dBias = gradBiasFull?.storage.pointer
        let padding = keyPaddingMask.map { UnsafePointer($0.storage.pointer) }
        let biasPointer = bias.map { UnsafePointer($0.storage.pointer) }
        let (bq, bk, queryBlocks) = (p.queryBlock, p.keyBlock, p.queryBlockCount)
        let cost = rowBlocksPerPair * bq * max(p.keyLength, 1) * max(d, 1) * 8 / slices

        Parallel.forEachRange(pairs * slices, costPerItem: cost) { items in
            let strip = max(p.keyLength, 1) * bq
            let probs = UnsafeMutablePointer<Float>.allocate(capacity: strip)
            let dProbs = UnsafeMutablePointer<Float>.allocate(capacity: strip)
            defer { probs.deallocate(); dProbs.deallocate() }
            for item in items {
                let slice = item % slices, pair = item / slices
                let kvHead = pair % p.kvHeads, b = pair / p.kvHeads
                let dK = dKSlices[slice], dV = dVSlices[slice]
                let kvBase = pair * p.keyLength * d
                for rowBlock in (slice * rowBlocksPerPair / slices)..<((slice + 1) * rowBlocksPerPair / slices) {
                    let h = kvHead * p.groupSize + rowBlock / queryBlocks
                    let bh = b * p.queryHeads + h
                    let i0 = (rowBlock % queryBlocks) * bq, rows = min(bq, p.queryLength - i0)
                    let keyStart = p.keyBounds(ofRow: i0).lower, keyEnd = p.keyBounds(ofRow: i0 + rows - 1).upper + 1
                    if keyEnd <= keyStart { continue }
                    let width = keyEnd - keyStart
                    let rowOffset = (bh * p.queryLength + i0) * d
                    // Scores → probabilities, and dP = dO Vᵀ, for the strip of visible keys.
                    for j0 in stride(from: keyStart, to: keyEnd, by: bk) {
                        let cols = min(bk, keyEnd - j0), column = j0 - keyStart
                        p.scoreBlock(batch: b, head: h, firstRow: i0, rows: rows, firstKey: j0, cols: cols,
                                     query: q, key: k, keyPadding: padding, bias: biasPointer,
                                     into: probs + column, rowStride: width)
                        Tensor.sgemm(m: rows, n: cols, k: d, a: dO + rowOffset, lda: d, transposeA: false,
                                     b: v + kvBase + j0 * d, ldb: d, transposeB: true,
                                     c: dProbs + column, ldc: width, beta: 0)
                    }
                    // dS = P ∘ (dP − Δ) with Δ = Σ P ∘ dP / Σ P. Dividing by Σ P (1 up to the rounding of the
                    // log-sum-exp) removes that rounding from Δ, where the subtraction would magnify it.
                    for r in 0..<rows {
                        let pr = probs + r * width, ds = dProbs + r * width
                        let total = exponentiateRow(pr, count: width, subtracting: lse[bh * p.queryLength + i0 + r])
                        if total == 0 {
                            ds.update(repeating: 0, count: width)
                            continue
                        }
                        var weighted: Double = 0
                        for c in 0..<width { weighted += Double(pr[c]) * Double(ds[c]) }
                        let delta = Float(weighted / Double(total))
                        for c in 0..<width { ds[c] = pr[c] * (ds[c] - delta) }
                    }
                    if let dBias {
                        let base = dBias + (bh * p.queryLength + i0) * p.keyLength + keyStart
                        for r in 0..<rows { (base + r * p.keyLength).update(from: dProbs + r * width, count: width) }
                    }
                    // dV += Pᵀ dO, dK += scale · dSᵀ Q, dQ += scale · dS K, key block by key block.
                    for j0 in stride(from: keyStart, to: keyEnd, by: bk) {
                        let cols = min(bk, keyEnd - j0), column = j0 - keyStart
                        let kvOffset = kvBase + j0 * d
                        Tensor.sgemm(m: cols, n: d, k: rows, a: probs + column, lda: width, transposeA: true,
                                     b: dO + rowOffset, ldb: d, transposeB: false, c: dV + kvOffset, ldc: d, beta: 1)
                        Tensor.sgemm(m: cols, n: d, k: rows, a: dProbs + column, lda: width, transposeA: true,
                                     b: q + rowOffset, ldb: d, transposeB: false,
                                     c: dK + kvOffset, ldc: d, alpha: p.scale, beta: 1)
                        Tensor.sgemm(m: rows, n: d, k: cols, a: dProbs + column, lda: width, transposeA: false,
                                     b: k + kvOffset, ldb: d, transposeB: false,
                                     c: dQ + rowOffset, ldc: d, alpha: p.scale, beta: 1)
                    }
                }
            }
        }
        for (total, partials) in [(gradKey, partialKeyGrads), (gradValue, partialValueGrads)] {
            let dst = total.storage.pointer
            for partial in partials {
                let src = partial.storage.pointer
                Parallel.forEachRange(total.count) { r in for i in r { dst[i] += src[i] } }
            }
        }
        let gradBias = gradBiasFull.map { $0.sumToShape(p.biasShape!) }
        return (gradQuery, gradKey, gradValue, gradBias)
    }
}
