import Foundation
import PRIMATensor
import PRIMATestSupport
import Testing
@testable import PRIMAData

@Suite struct MetricsTests {
    let file = try! FixtureFile.load("metrics", in: .module)

    private func ints(_ t: FixtureTensor) -> [Int] { t.data.map { Int($0) } }
    private func doubles(_ t: FixtureTensor) -> [Double] { t.data.map(Double.init) }
    private func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= Tolerance.metrics }
    }

    @Test func classificationReportMatchesScikitLearn() throws {
        let cases = file.cases.filter { $0.inputs["y_true"] != nil }
        #expect(cases.count == 11)
        for c in cases {
            let k = c.param("num_classes").int
            let report = try ClassificationReport(labels: ints(c.inputs["y_true"]!), predictions: ints(c.inputs["y_pred"]!),
                                                  numClasses: k, zeroDivision: c.param("zero_division").double)
            #expect(close([report.accuracy], doubles(c.outputs["accuracy"]!)), "\(c.name) accuracy")
            #expect(close([report.balancedAccuracy], doubles(c.outputs["balanced_accuracy"]!)), "\(c.name) balanced")
            #expect(close(report.precision, doubles(c.outputs["precision"]!)), "\(c.name) precision")
            #expect(close(report.recall, doubles(c.outputs["recall"]!)), "\(c.name) recall")
            #expect(close(report.f1, doubles(c.outputs["f1"]!)), "\(c.name) f1")
            #expect(report.support == ints(c.outputs["support"]!), "\(c.name) support")
            #expect(close([report.macroF1], doubles(c.outputs["macro_f1"]!)), "\(c.name) macro F1")
            #expect(close([report.macroPrecision], doubles(c.outputs["macro_precision"]!)), "\(c.name) macro precision")
            #expect(close([report.macroRecall], doubles(c.outputs["macro_recall"]!)), "\(c.name) macro recall")
            #expect(close([report.weightedF1], doubles(c.outputs["weighted_f1"]!)), "\(c.name) weighted F1")
            #expect(close([report.macroF1OverPresentLabels], doubles(c.outputs["macro_f1_present_labels"]!)),
                    "\(c.name) macro F1 over present labels")
            #expect(report.confusion.flatMap { $0 } == ints(c.outputs["confusion"]!), "\(c.name) confusion")
        }
    }

    @Test func rocAUCMatchesScikitLearn() throws {
        for c in file.cases where c.inputs["y_true"] != nil {
            let labels = ints(c.inputs["y_true"]!)
            let scores = c.input("scores")
            guard case .list(let expected) = c.param("auc_per_class") else { Issue.record("no per-class AUC"); continue }
            let perClass = try ROCAUC.oneVsRest(labels: labels, scores: scores)
            #expect(perClass.count == expected.count)
            for (actual, reference) in zip(perClass, expected) {
                if reference.isNull { #expect(actual == nil, "\(c.name)") }
                else { #expect(abs((actual ?? .nan) - reference.double) <= Tolerance.metrics, "\(c.name)") }
            }
            let macro = try ROCAUC.macroOneVsRest(labels: labels, scores: scores)
            if c.param("auc_macro").isNull { #expect(macro == nil, "\(c.name)") }
            else { #expect(abs((macro ?? .nan) - c.param("auc_macro").double) <= Tolerance.metrics, "\(c.name) macro AUC") }
        }
    }

    /// The binary form takes the positive class's scores as a tensor, like the one-vs-rest forms.
    @Test func binaryROCAUCMatchesScikitLearn() throws {
        let binary = file.cases.filter { $0.inputs["y_true"] != nil && $0.param("num_classes").int == 2 }
        #expect(binary.count == 2)
        for c in binary {
            let labels = ints(c.inputs["y_true"]!)
            let positive = c.input("scores").narrowed(axis: 1, start: 1, length: 1).reshaped([labels.count])
            let auc = try ROCAUC.binary(positives: labels.map { $0 == 1 }, scores: positive)
            #expect(abs((auc ?? .nan) - c.param("auc_macro").double) <= Tolerance.metrics, "\(c.name)")
        }
        #expect(try ROCAUC.binary(positives: [true, true], scores: Tensor([0.1, 0.2])) == nil)
        #expect(throws: DataError.self) { try ROCAUC.binary(positives: [true, false], scores: Tensor.zeros([2, 1])) }
    }

    /// Reports in results files written before the derived averages existed still decode; new files carry them.
    @Test func reportJSONStaysBackwardCompatible() throws {
        let report = try ClassificationReport(labels: [0, 1, 1, 0, 2], predictions: [0, 1, 0, 0, 1], numClasses: 4)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as! [String: Any]
        // JSONSerialization may read the last digit differently: compare to well within the metric tolerance.
        #expect(abs((json["weightedF1"] as? Double ?? .nan) - report.weightedF1) <= 1e-12)
        #expect(abs((json["macroF1OverPresentLabels"] as? Double ?? .nan) - report.macroF1OverPresentLabels) <= 1e-12)
        #expect(report.macroF1OverPresentLabels > report.macroF1)   // class 3 occurs nowhere
        var old = json
        for key in ["macroPrecision", "macroRecall", "weightedF1", "macroF1OverPresentLabels"] { old[key] = nil }
        let decoded = try JSONDecoder().decode(ClassificationReport.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded.confusion == report.confusion && decoded.numClasses == report.numClasses)
        #expect(abs(decoded.weightedF1 - report.weightedF1) <= 1e-12 && abs(decoded.macroF1 - report.macroF1) <= 1e-12)
        old["f1"] = [0.5]
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ClassificationReport.self, from: JSONSerialization.data(withJSONObject: old))
        }
    }

    @Test func meanAndSDMatchNumpy() {
        for c in file.cases where c.inputs["values"] != nil {
            let values = doubles(c.inputs["values"]!)
            let population = MeanSD(values)
            let sample = MeanSD(values, ddof: 1)
            #expect(close([population.mean], doubles(c.outputs["mean"]!)), "\(c.name)")
            #expect(close([population.sd], doubles(c.outputs["sd_ddof0"]!)), "\(c.name)")
            #expect(close([sample.sd], doubles(c.outputs["sd_ddof1"]!)), "\(c.name)")
        }
    }

    @Test func foldSummaryFormatsMeanAndSD() throws {
        let a = try ClassificationReport(labels: [0, 1, 1, 0], predictions: [0, 1, 0, 0], numClasses: 2)
        let b = try ClassificationReport(labels: [0, 1, 1, 0], predictions: [0, 1, 1, 0], numClasses: 2)
        let summary = FoldSummary(reports: [a, b])
        #expect(summary.accuracy.mean == (a.accuracy + b.accuracy) / 2)
        #expect(summary.accuracy.formatted() == "87.50 (12.50)")
        #expect(summary.macroAUC == nil)
        #expect(summary.description == "macro F1 \(summary.macroF1.formatted()), accuracy 87.50 (12.50), balanced accuracy \(summary.balancedAccuracy.formatted())")
    }

    @Test func reportFromScoresUsesArgmax() throws {
        for c in file.cases where c.name == "perfect" || c.name == "six_classes" {
            let labels = ints(c.inputs["y_true"]!)
            let fromScores = try ClassificationReport(labels: labels, scores: c.input("scores"))
            let scores = c.input("scores"), k = scores.shape[1]
            let argmax = (0..<labels.count).map { i in (0..<k).max { scores[i, $0] < scores[i, $1] }! }
            #expect(fromScores == (try ClassificationReport(labels: labels, predictions: argmax, numClasses: k)))
        }
        // Ties go to the lower index.
        let tied = try ClassificationReport(labels: [0, 1], scores: Tensor(shape: [2, 2], scalars: [0.5, 0.5, 0.2, 0.8]))
        #expect(tied.accuracy == 1)
    }

    @Test func badInputIsReported() {
        #expect(throws: DataError.self) { try ClassificationReport(labels: [0, 3], predictions: [0, 1], numClasses: 3) }
        #expect(throws: DataError.self) { try ClassificationReport(labels: [0], predictions: [0, 1], numClasses: 3) }
        #expect(throws: DataError.self) { try ROCAUC.oneVsRest(labels: [0, 1], scores: Tensor.zeros([3, 2])) }
    }
}
