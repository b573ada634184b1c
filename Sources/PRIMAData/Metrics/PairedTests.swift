import Foundation

/// Tests of paired differences, such as one method's macro F1 minus another's on the same cross-validation
/// folds. Both are two-sided and follow SciPy's conventions (`scipy.stats.ttest_rel`, `scipy.stats.wilcoxon`),
/// checked against SciPy in the tests.
///
/// With five folds neither test has much power: the smallest two-sided Wilcoxon p-value possible with five
/// non-zero differences is 2 / 2⁵ = 0.0625, and the t-test assumes roughly normal differences it cannot check.
/// Read the p-values as a measure of how consistent a difference is across folds, not as proof.
public enum PairedTests {
    /// The paired t-test of differences dᵢ: t = mean(d) / (SD(d) / √n) with the sample SD (ddof 1) and n − 1
    /// degrees of freedom.
    public struct TTest: Sendable, Equatable, Codable {
        /// The t statistic; ±∞ when every difference is the same non-zero value, nil when undefined (fewer
        /// than two differences, or all of them zero).
        public let statistic: Double?
        /// n − 1.
        public let degreesOfFreedom: Int
        /// The two-sided p-value P(|T| ≥ |t|); nil where the statistic is undefined (SciPy: NaN).
        public let pValue: Double?
    }

    /// The paired t-test of `differences` (SciPy's `ttest_rel(b, a)` with dᵢ = bᵢ − aᵢ).
    public static func tTest(_ differences: [Double]) -> TTest {
        let n = differences.count
        guard n >= 2 else { return TTest(statistic: nil, degreesOfFreedom: max(0, n - 1), pValue: nil) }
        let summary = MeanSD(differences, ddof: 1)
        if summary.sd == 0 {
            guard summary.mean != 0 else { return TTest(statistic: nil, degreesOfFreedom: n - 1, pValue: nil) }
            return TTest(statistic: summary.mean > 0 ? .infinity : -.infinity, degreesOfFreedom: n - 1, pValue: 0)
        }
        let t = summary.mean / (summary.sd / Double(n).squareRoot())
        return TTest(statistic: t, degreesOfFreedom: n - 1,
                     pValue: StudentT.twoSidedTail(t, degreesOfFreedom: Double(n - 1)))
    }

    /// The Wilcoxon signed-rank test with its exact null distribution.
    public struct Wilcoxon: Sendable, Equatable, Codable {
        /// W⁺, the sum of the ranks of |dᵢ| over the positive differences (tied |dᵢ| share their mean rank).
        public let positiveRankSum: Double
        /// Non-zero differences ranked (zeros are dropped first, SciPy's default `zero_method="wilcox"`).
        public let count: Int
        /// The exact two-sided p-value, 2 · min(P(W⁺ ≤ w), P(W⁺ ≥ w)) capped at 1, over all 2ⁿ equally likely
        /// sign patterns of the observed ranks; nil when every difference is zero.
        public let pValue: Double?
    }

    /// The exact Wilcoxon signed-rank test of `differences`.
    ///
    /// The null distribution is enumerated exactly — by counting the sign patterns per rank sum, with ranks
    /// doubled so that shared (mid) ranks stay integers — so ties are handled exactly too (SciPy's
    /// `method="exact"` refuses ties; its permutation method over all 2ⁿ sign flips agrees with this one).
    /// - Precondition: at most 60 differences (2ⁿ must fit the counters).
    public static func wilcoxon(_ differences: [Double]) -> Wilcoxon {
        let nonZero = differences.filter { $0 != 0 }
        let n = nonZero.count
        precondition(n <= 60, "the exact Wilcoxon test enumerates 2^n sign patterns; \(n) differences are too many")
        guard n > 0 else { return Wilcoxon(positiveRankSum: 0, count: 0, pValue: nil) }
        let doubledRanks = doubledMidranks(nonZero.map(abs))
        let observed = zip(nonZero, doubledRanks).reduce(0) { $0 + ($1.0 > 0 ? $1.1 : 0) }
        // counts[s]: sign patterns whose positive doubled ranks sum to s.
        let total = doubledRanks.reduce(0, +)
        var counts = [Double](repeating: 0, count: total + 1)
        counts[0] = 1
        var reach = 0
        for rank in doubledRanks {
            reach += rank
            for s in stride(from: reach, through: rank, by: -1) { counts[s] += counts[s - rank] }
        }
        let patterns = pow(2, Double(n))
        let atMost = counts[0...observed].reduce(0, +) / patterns
        let atLeast = counts[observed...].reduce(0, +) / patterns
        return Wilcoxon(positiveRankSum: Double(observed) / 2, count: n, pValue: min(1, 2 * min(atMost, atLeast)))
    }

    /// Twice the 1-based ranks of `values`, tied values sharing twice their mean rank (always an integer).
    static func doubledMidranks(_ values: [Double]) -> [Int] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Int](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            // Ranks start+1 … end+1 share their mean; twice the mean is start + end + 2.
            for i in start...end { ranks[order[i]] = start + end + 2 }
            start = end + 1
        }
        return ranks
    }
}
