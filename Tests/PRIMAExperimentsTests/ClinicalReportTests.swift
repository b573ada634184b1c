import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PRIMAData
@testable import PRIMAExperiments
import PRIMATestSupport
import Testing

/// Table 1's files, paired differences, calibration, predictions.csv and the missing-metadata analysis.
@Suite("Summary files, paired differences, calibration, predictions and missing metadata")
struct ClinicalReportTests {
    /// Two tiny methods (the second reads metadata and can be re-scored) over the same three folds, with the
    /// missing-metadata analysis of two fields; shared by the tests of this suite.
    static let run: (directory: TemporaryDirectory, results: [CrossValidationResult], tables: String) = {
        let directory = TemporaryDirectory()
        let harness = try! TinyPADUFES.harness(output: directory.url, epochs: 2)
        let suite = ExperimentSuite(datasetName: "Tiny PAD", harness: harness, missingMetadataFields: ["smoke", "fitspatrick"])
        let experiments: [any FoldExperiment] = [
            TinyPADUFES.experiment(),
            TinyPADUFES.experiment(learningRate: 1e-2, name: "tiny-fast", testTimeReevaluation: .rebuildTrainer),
        ]
        let (results, tables) = try! suite.run(experiments)
        return (directory, results, tables)
    }()

    private func file(_ name: String) -> URL { Self.run.directory.url.appendingPathComponent(name) }

    @Test("Table 1 has a column per class's F1 and is written as text, Markdown, CSV and JSON")
    func tableOneLayout() throws {
        let results = Self.run.results
        let classes = TinyPADUFES.classNames
        let table = try #require(ResultsTable.comparisonTable(results, title: "Tiny PAD"))
        #expect(table.header == ["Method"] + classes.map { "F1 \($0)" } + ["Macro F1", "Accuracy", "Balanced acc."])
        #expect(table.rows.map(\.first) == results.map(\.title))
        let printedHeader = try #require(Self.run.tables.split(separator: "\n").first { $0.hasPrefix("Method") })
        for name in classes { #expect(printedHeader.contains("F1 \(name)")) }

        let markdown = try String(contentsOf: file("summary.md"), encoding: .utf8)
        #expect(markdown.contains("| Method | " + classes.map { "F1 \($0)" }.joined(separator: " | ") + " | Macro F1 |"))
        #expect(markdown.contains("| \(results[1].title) | \(results[1].perClassF1[0].formatted()) |"))

        let csv = try CSVTable(contentsOf: file("summary.csv"))
        #expect(csv.header == ResultsFiles.summaryCSVHeader(classNames: classes))
        #expect(csv.rows.count == 2)
        let column = try csv.columnIndex("f1_\(classes[2])_mean"), ece = try csv.columnIndex("ece")
        for (row, result) in zip(csv.rows, results) {
            #expect(abs(Double(row.cells[column])! - result.perClassF1[2].mean) < Tolerance.metrics)
            let expected = try result.calibration().expectedCalibrationError
            #expect(abs(Double(row.cells[ece])! - expected) < Tolerance.metrics)
        }
        let summary = try JSONCoding.decoder.decode(ResultsFiles.Summary.self, from: Data(contentsOf: file("summary.json")))
        #expect(summary == (try ResultsFiles.Summary(dataset: "Tiny PAD", results: results, missingMetadata: summary.missingMetadata)))
        #expect(summary.methods.map(\.perClassF1) == results.map(\.perClassF1))
    }

    @Test("a Markdown table escapes pipes and right-aligns the number columns")
    func markdownTable() {
        let table = ResultsTable.Table(caption: "c", header: ["Method", "Macro F1"], rows: [["a|b", "1.00 (0.10)"]])
        #expect(table.markdown == "*c*\n\n| Method | Macro F1 |\n| :--- | ---: |\n| a\\|b | 1.00 (0.10) |")
    }

    @Test("paired differences are the per-fold metric differences, with the tests of PRIMAData")
    func pairedDifferences() throws {
        let (reference, method) = (Self.run.results[0], Self.run.results[1])
        let comparison = try PairedComparison(method, against: reference, metric: .macroF1)
        let expected = zip(method.folds, reference.folds).map { $0.report.macroF1 - $1.report.macroF1 }
        #expect(comparison.differences == expected)
        #expect(comparison.tTest == PairedTests.tTest(expected) && comparison.wilcoxon == PairedTests.wilcoxon(expected))
        #expect(Self.run.tables.contains("Paired differences across the 3 folds"))
        #expect(Self.run.tables.contains("\(method.title) − \(reference.title)"))

        let csv = try CSVTable(contentsOf: file("paired-differences.csv"))
        #expect(csv.rows.count == PairedComparison.Metric.allCases.count)
        let row = try #require(csv.rows.first { $0.cells[2] == "macro_f1" })
        for k in 0..<3 {
            #expect(abs(Double(row.cells[try csv.columnIndex("difference_fold_\(k + 1)")])! - expected[k]) < Tolerance.metrics)
        }
        // Results of other folds cannot be paired.
        let shuffled = CrossValidationResult(experiment: "other", title: "Other", classNames: method.classNames, settings: [:],
                                             folds: Array(method.folds.reversed()))
        #expect(throws: ExperimentError.self) { try PairedComparison(shuffled, against: reference, metric: .accuracy) }
    }

    @Test("calibration pools every fold's test predictions; each method gets a reliability diagram")
    func calibration() throws {
        for result in Self.run.results {
            let pooled = try result.calibration()
            #expect(pooled.sampleCount == TinyPADUFES.samples.count)
            #expect(pooled.bins.map(\.count).reduce(0, +) == TinyPADUFES.samples.count)
            let data = try Data(contentsOf: file("\(result.experiment)/reliability-diagram.svg"))
            #expect(XMLParser(data: data).parse())
        }
        let csv = try CSVTable(contentsOf: file("calibration.csv"))
        #expect(csv.rows.count == 2 * Calibration.defaultBinCount)
        // A damaged result (a probability above 1, as a hand-edited results.json could hold) is an error, not a crash.
        let result = Self.run.results[0]
        var folds = result.folds
        let f = folds[0]
        var probabilities = f.probabilities
        probabilities[0][0] = 1.5
        folds[0] = FoldResult(fold: f.fold, bestEpoch: f.bestEpoch, trainCount: f.trainCount, validationCount: f.validationCount,
                              testCount: f.testCount, sampleIDs: f.sampleIDs, patientIDs: f.patientIDs, labels: f.labels,
                              predictions: f.predictions, probabilities: probabilities, report: f.report, macroAUC: f.macroAUC,
                              history: f.history)
        let damaged = CrossValidationResult(experiment: "damaged", title: "Damaged", classNames: result.classNames, settings: [:], folds: folds)
        #expect(throws: ExperimentError.self) { try damaged.calibration() }
        #expect(throws: ExperimentError.self) { try ResultsFiles.predictionRows(damaged) }
    }

    @Test("predictions.csv has one row per test sample and method, with its patient, classes and probabilities")
    func predictionsFile() throws {
        let csv = try CSVTable(contentsOf: file("predictions.csv"))
        let classes = TinyPADUFES.classNames
        #expect(csv.header == ResultsFiles.predictionsCSVHeader(classNames: classes))
        #expect(csv.rows.count == 2 * TinyPADUFES.samples.count)
        let samples = Dictionary(uniqueKeysWithValues: TinyPADUFES.samples.map { ($0.id, $0) })
        var seen: [String: Set<String>] = [:]
        for row in csv.rows {
            let sample = try #require(samples[row.cells[0]])
            #expect(row.cells[1] == sample.patientID)
            #expect(row.cells[4] == classes[sample.label])
            let probabilities = row.cells[6...].map { Double($0)! }
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-5)
            #expect(row.cells[5] == classes[probabilities.indices.max { probabilities[$0] < probabilities[$1] }!])
            seen[row.cells[3], default: []].insert(row.cells[0])
        }
        #expect(seen.mapValues(\.count) == ["tiny": samples.count, "tiny-fast": samples.count])
        let single = try CSVTable(contentsOf: file("tiny/predictions.csv"))
        #expect(single.rows.count == samples.count)
    }

    @Test("a result file written before patients were recorded still loads; its patients come from the dataset")
    func olderResultFiles() throws {
        let result = Self.run.results[0]
        let data = try JSONCoding.encoder.encode(result)
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        json["folds"] = (json["folds"] as! [[String: Any]]).map { fold in fold.filter { $0.key != "patientIDs" } }
        let old = try JSONCoding.decoder.decode(CrossValidationResult.self, from: try JSONSerialization.data(withJSONObject: json))
        #expect(old.folds.allSatisfy { $0.patientIDs == nil })
        #expect(old.folds.map(\.probabilities) == result.folds.map(\.probabilities))
        let patients = Dictionary(uniqueKeysWithValues: TinyPADUFES.samples.map { ($0.id, $0.patientID) })
        #expect(try ResultsFiles.predictionRows(old, patients: patients) == (try ResultsFiles.predictionRows(result)))
        #expect(throws: ExperimentError.self) { try ResultsFiles.predictionRows(old) }
    }

    @Test("the missing-metadata hook changes the inputs only, reproduces the intact predictions and is reported")
    func missingMetadata() throws {
        let sample = try #require(TinyPADUFES.samples.first { $0.metadata["smoke"] != nil })
        let without = MissingMetadataAnalysis.removing(["smoke"], from: sample)
        #expect(without.metadata["smoke"] == nil && without.metadata.count == sample.metadata.count - 1)
        #expect(without.id == sample.id && without.patientID == sample.patientID && without.label == sample.label
                && without.imagePaths == sample.imagePaths)

        let harness = try TinyPADUFES.harness(output: Self.run.directory.url, epochs: 2)
        let experiment = TinyPADUFES.experiment(learningRate: 1e-2, name: "tiny-fast", testTimeReevaluation: .rebuildTrainer)
        let result = Self.run.results[1]
        let everything = Set(PADUFES.schema.fields.map(\.name))
        let scores = try harness.reevaluate(experiment, variants: [
            TestVariant(name: "unchanged") { $0 },
            TestVariant(name: "without any metadata") { MissingMetadataAnalysis.removing(everything, from: $0) },
            TestVariant(name: "without both fields") { MissingMetadataAnalysis.removing(["smoke", "fitspatrick"], from: $0) },
        ])
        for (fold, rescored) in zip(result.folds, scores[0]) {
            let gap = zip(fold.probabilities.joined(), rescored.probabilities.joined()).map { abs($0 - $1) }.max()!
            #expect(gap <= CrossValidation.reevaluationTolerance)
        }
        // The model reads the metadata vector: without any metadata its probabilities move.
        let moved = zip(result.folds, scores[1]).map { fold, rescored in
            zip(fold.probabilities.joined(), rescored.probabilities.joined()).map { abs($0 - $1) }.max()!
        }
        #expect(moved.contains { $0 > 1e-3 })

        #expect(throws: ExperimentError.self) {
            try harness.reevaluate(experiment, variants: [TestVariant(name: "relabel") { s in
                DatasetSample(id: s.id, patientID: s.patientID, imagePaths: s.imagePaths, label: (s.label + 1) % 6, metadata: s.metadata)
            }])
        }
        #expect(throws: ExperimentError.self) { try harness.reevaluate(TinyPADUFES.experiment(), variants: []) }
        #expect(try MissingMetadataAnalysis.run(TinyPADUFES.experiment(), result: Self.run.results[0], fields: ["smoke"],
                                                harness: harness) == nil)

        let report = try JSONCoding.decoder.decode(MissingMetadataReport.self, from: Data(contentsOf: file("tiny-fast/missing-metadata.json")))
        #expect(report.rows.map(\.removed) == ["none", "smoke", "fitspatrick", "all"])
        #expect(report.rows[0].summary.macroF1 == result.summary.macroF1 && report.rows[0].summary.accuracy == result.summary.accuracy)
        #expect(report.rows[0].macroF1Change == [0, 0, 0])
        #expect(report.rows[0].changedPredictions == 0 && report.rows[0].meanProbabilityShift == 0)
        let all = try #require(report.rows.last)
        #expect(all.summary.macroF1 == FoldSummary(reports: scores[2].map(\.report)).macroF1)
        let pooled = zip(scores[2].flatMap(\.probabilities), result.folds.flatMap(\.probabilities))
        let shift = pooled.map { zip($0, $1).map { abs($0 - $1) }.reduce(0, +) / 2 }.reduce(0, +) / Double(TinyPADUFES.samples.count)
        #expect(abs(all.meanProbabilityShift - shift) < 1e-12 && shift > 0)
        #expect(!FileManager.default.fileExists(atPath: file("tiny/missing-metadata.json").path), "tiny cannot be re-scored")
        #expect(Self.run.tables.contains("with metadata fields missing"))
        let csv = try CSVTable(contentsOf: file("missing-metadata.csv"))
        #expect(csv.rows.count == 4)
        #expect(XMLParser(data: try Data(contentsOf: file("missing-metadata.svg"))).parse())
    }
}
