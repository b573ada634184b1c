import PRIMATensor

/// The small sampling vocabulary of the synthetic generators.
extension RandomGenerator {
    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { nextDouble() < p }

    /// Normal(`mean`, `sd`).
    mutating func normal(_ mean: Double, _ sd: Double) -> Double { mean + sd * Double(nextNormal()) }

    /// An index drawn with probability proportional to `weights`.
    mutating func choose(_ weights: [Double]) -> Int {
        var u = nextDouble() * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            if u < w { return i }
            u -= w
        }
        return weights.count - 1
    }

    /// An element of `items` drawn with probability proportional to `weights`.
    mutating func choose<T>(_ items: [T], _ weights: [Double]) -> T { items[choose(weights)] }
}

/// Splits `total` in proportion to `weights` (largest remainders), giving every class at least one when
/// `total` allows it.
func proportionalCounts(total: Int, weights: [Double]) -> [Int] {
    let sum = weights.reduce(0, +)
    let exact = weights.map { $0 / sum * Double(total) }
    var counts = exact.map { Int($0) }
    let byRemainder = exact.indices.sorted { exact[$0] - Double(counts[$0]) > exact[$1] - Double(counts[$1]) }
    for i in byRemainder.prefix(total - counts.reduce(0, +)) { counts[i] += 1 }
    if total >= weights.count {
        for i in counts.indices where counts[i] == 0 {
            let donor = counts.indices.max { counts[$0] < counts[$1] }!
            counts[donor] -= 1
            counts[i] = 1
        }
    }
    return counts
}
