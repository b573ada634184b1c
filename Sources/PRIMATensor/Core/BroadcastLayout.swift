/// How two operands map onto their broadcast result, with adjacent axes merged where both operands
/// are laid out contiguously (or both broadcast) across them, so inner loops run as long as possible.
///
/// After merging, the last axis has stride 0 or 1 in each operand; the other axes are walked row by
/// row with an odometer.
@usableFromInline
struct BroadcastLayout {
    /// Merged result shape (no size-1 axes, at least one axis).
    @usableFromInline let shape: [Int]
    /// Strides of each operand along the merged axes (0 where broadcast).
    @usableFromInline let stridesA: [Int]
    @usableFromInline let stridesB: [Int]

    @usableFromInline
    init(_ a: [Int], _ b: [Int], result: [Int]) {
        let sa = Shape.broadcastStrides(a, to: result), sb = Shape.broadcastStrides(b, to: result)
        var shape: [Int] = [], stridesA: [Int] = [], stridesB: [Int] = []
        shape.reserveCapacity(result.count)
        stridesA.reserveCapacity(result.count)
        stridesB.reserveCapacity(result.count)
        for d in 0..<result.count where result[d] != 1 {
            if let last = shape.last, stridesA.last! == sa[d] * result[d], stridesB.last! == sb[d] * result[d] {
                // The previous axis steps exactly over this one in both operands: merge them.
                shape[shape.count - 1] = last * result[d]
                stridesA[stridesA.count - 1] = sa[d]
                stridesB[stridesB.count - 1] = sb[d]
            } else {
                shape.append(result[d])
                stridesA.append(sa[d])
                stridesB.append(sb[d])
            }
        }
        if shape.isEmpty { shape = [1]; stridesA = [0]; stridesB = [0] }
        self.shape = shape
        self.stridesA = stridesA
        self.stridesB = stridesB
    }

    /// Length of the innermost (merged) axis.
    @usableFromInline var inner: Int { shape[shape.count - 1] }

    /// Calls `body(row, offsetA, offsetB)` for every row of the innermost axis in `rows`, walking the
    /// outer axes with an odometer (no division per row).
    @inlinable
    func forEachRow(in rows: Range<Int>, _ body: (_ row: Int, _ offsetA: Int, _ offsetB: Int) -> Void) {
        let outerRank = shape.count - 1
        if outerRank == 0 {
            for row in rows { body(row, 0, 0) }
            return
        }
        // Start the odometer at rows.lowerBound.
        var index = [Int](repeating: 0, count: outerRank)
        var rem = rows.lowerBound, offA = 0, offB = 0
        for d in stride(from: outerRank - 1, through: 0, by: -1) {
            let i = rem % shape[d]
            rem /= shape[d]
            index[d] = i
            offA += i * stridesA[d]
            offB += i * stridesB[d]
        }
        for row in rows {
            body(row, offA, offB)
            var d = outerRank - 1
            while d >= 0 {
                index[d] += 1
                offA += stridesA[d]
                offB += stridesB[d]
                if index[d] < shape[d] { break }
                offA -= stridesA[d] * shape[d]
                offB -= stridesB[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}
