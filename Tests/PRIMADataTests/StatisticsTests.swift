import Foundation
import PRIMATestSupport
import Testing
@testable import PRIMAData

/// Student's t, the paired tests and the calibration error against SciPy and NumPy
/// (Scripts/reference/gen_statistics.py).
@Suite struct StatisticsTests {
    let file = try! FixtureFile.load("statistics", in: .module)

    private func doubles(_ v: FixtureValue) -> [Double] {
        guard case .list(let items) = v else { fatalError("not a list: \(v)") }
        return items.map(\.double)
    }
    private func optionals(_ v: FixtureValue) -> [Double?] {
        guard case .list(let items) = v else { fatalError("not a list: \(v)") }
        return items.map { $0.isNull ? nil : $0.double }
    }
    /// Relative closeness for p-values and special functions, which span many orders of magnitude.
    private func close(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= Tolerance.specialFunction * max(abs(b), 1e-300)
    }

    @Test func incompleteBetaMatchesSciPy() {
        let c = file.named("incomplete_beta")
        let (x, a, b, value) = (doubles(c.param("x")), doubles(c.param("a")), doubles(c.param("b")), doubles(c.param("value")))
        for i in x.indices {
            let ours = StudentT.regularizedIncompleteBeta(x[i], a: a[i], b: b[i])
            #expect(close(ours, value[i]), "I_\(x[i])(\(a[i]), \(b[i])): \(ours) vs SciPy \(value[i])")
        }
    }

    @Test func studentTMatchesSciPy() {
        let c = file.named("student_t")
        let (t, df) = (doubles(c.param("t")), doubles(c.param("df")))
        let (cdf, twoSided) = (doubles(c.param("cdf")), doubles(c.param("two_sided")))
        for i in t.indices {
            let ours = StudentT.cdf(t[i], degreesOfFreedom: df[i])
            #expect(close(ours, cdf[i]), "cdf(\(t[i]); \(df[i])): \(ours) vs SciPy \(cdf[i])")
            let tail = StudentT.twoSidedTail(t[i], degreesOfFreedom: df[i])
            #expect(close(tail, twoSided[i]), "two-sided tail(\(t[i]); \(df[i])): \(tail) vs SciPy \(twoSided[i])")
        }
        #expect(StudentT.cdf(.infinity, degreesOfFreedom: 3) == 1 && StudentT.cdf(-.infinity, degreesOfFreedom: 3) == 0)
    }

    @Test func pairedTestsMatchSciPy() {
        let cases = file.cases.filter { $0.params?["t_df"] != nil }
        #expect(cases.count == 7)
        for c in cases {
            let differences = zip(doubles(c.param("a")), doubles(c.param("b"))).map { $1 - $0 }
            let t = PairedTests.tTest(differences)
            #expect(t.degreesOfFreedom == c.param("t_df").int, "\(c.name) df")
            switch c.param("t_statistic") {
            case .null: #expect(t.statistic == nil && t.pValue == nil, "\(c.name): undefined in SciPy")
            case .string(let s): #expect(t.statistic == (s == "inf" ? .infinity : -.infinity), "\(c.name) t")
            default: #expect(t.statistic.map { close($0, c.param("t_statistic").double) } == true, "\(c.name) t: \(String(describing: t.statistic))")
            }
            if c.param("t_p").isNull { #expect(t.pValue == nil, "\(c.name) p") } else {
                let expected = c.param("t_p").double
                #expect(t.pValue.map { expected == 0 ? $0 == 0 : close($0, expected) } == true,
                        "\(c.name) t-test p: \(String(describing: t.pValue)) vs SciPy \(expected)")
            }

            let w = PairedTests.wilcoxon(differences)
            if c.param("wilcoxon_p").isNull {
                #expect(w.pValue == nil && w.count == 0, "\(c.name): no non-zero difference")
                continue
            }
            let negativeRankSum = Double(w.count * (w.count + 1)) / 2 - w.positiveRankSum
            #expect(min(w.positiveRankSum, negativeRankSum) == c.param("wilcoxon_statistic").double, "\(c.name) W")
            #expect(w.pValue.map { close($0, c.param("wilcoxon_p").double) } == true,
                    "\(c.name) Wilcoxon p (\(c.param("wilcoxon_method").string)): \(String(describing: w.pValue)) vs \(c.param("wilcoxon_p").double)")
        }
    }

    @Test func wilcoxonWithFiveFoldsCannotGoBelowOneSixteenth() {
        #expect(PairedTests.wilcoxon([0.01, 0.02, 0.03, 0.04, 0.05]).pValue == 0.0625)
        #expect(PairedTests.wilcoxon([-0.01, 0.02, 0.03, 0.04, 0.05]).pValue == 0.125)
    }

    @Test func expectedCalibrationErrorMatchesNumPy() {
        let cases = file.cases.filter { $0.name.hasPrefix("ece_") }
        #expect(cases.count == 3)
        for c in cases {
            guard case .list(let rows) = c.param("probabilities") else { Issue.record("no probabilities"); continue }
            let calibration = Calibration(probabilities: rows.map(doubles), labels: c.param("labels").ints)
            #expect(abs(calibration.expectedCalibrationError - c.param("ece").double) <= Tolerance.metrics,
                    "\(c.name) ECE \(calibration.expectedCalibrationError) vs NumPy \(c.param("ece").double)")
            #expect(calibration.bins.map(\.count) == c.param("counts").ints, "\(c.name) bin counts")
            let (accuracies, confidences) = (optionals(c.param("accuracies")), optionals(c.param("confidences")))
            for (b, bin) in calibration.bins.enumerated() {
                #expect(bin.accuracy.map { a in accuracies[b].map { abs(a - $0) <= Tolerance.metrics } ?? false } ?? (accuracies[b] == nil),
                        "\(c.name) bin \(b) accuracy")
                #expect(bin.meanConfidence.map { m in confidences[b].map { abs(m - $0) <= Tolerance.metrics } ?? false } ?? (confidences[b] == nil),
                        "\(c.name) bin \(b) confidence")
            }
        }
    }

    @Test func calibrationOfPerfectAndOverconfidentModels() {
        // Always right at confidence 1: calibrated. Always 0.9 sure and right 7 times in 10: off by 0.2.
        #expect(Calibration(confidences: [1, 1, 1], correct: [true, true, true]).expectedCalibrationError == 0)
        let overconfident = Calibration(confidences: [Double](repeating: 0.9, count: 10), correct: (0..<10).map { $0 < 7 })
        #expect(abs(overconfident.expectedCalibrationError - 0.2) < 1e-12)
        #expect(overconfident.bins.filter { $0.count > 0 }.map(\.upper) == [14.0 / 15])
    }
}
