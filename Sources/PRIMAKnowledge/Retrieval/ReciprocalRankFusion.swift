/// Reciprocal-rank fusion (Cormack, Clarke & Büttcher, 2009): merges rankings by
/// `score(d) = Σ_r 1 / (k + rank_r(d))`, ranks counted from 1, a chunk absent from a ranking adding nothing.
///
/// `k` = 60 by default (the paper's value): it damps the weight of the very first ranks so that one retriever's
/// top hit does not override agreement lower down. Ties are broken by the first ranking's order.
public struct ReciprocalRankFusion: Sendable, Equatable {
    /// The rank offset k.
    public var k: Double

    /// Fusion with offset `k` (default 60).
    public init(k: Double = 60) {
        precondition(k >= 0, "the RRF offset must not be negative")
        self.k = k
    }

    /// The fused ranking of `rankings` (each a list of item indices, best first): `(index, score)`, best first.
    public func fuse(_ rankings: [[Int]]) -> [(index: Int, score: Double)] {
        var scores: [Int: Double] = [:], firstSeen: [Int: Int] = [:]
        var order = 0
        for ranking in rankings {
            for (position, item) in ranking.enumerated() {
                scores[item, default: 0] += 1 / (k + Double(position + 1))
                if firstSeen[item] == nil { firstSeen[item] = order; order += 1 }
            }
        }
        return scores.map { (index: $0.key, score: $0.value) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : firstSeen[$0.index]! < firstSeen[$1.index]! }
    }
}
