import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PRIMAData
@testable import PRIMAExperiments
import PRIMATestSupport
import Testing

@Suite("Results files, tables and plots")
struct ReportingTests {
    /// One finished tiny run, shared by the tests of this suite.
    static let run: (directory: TemporaryDirectory, results: [CrossValidationResult], tables: String) = {
        let directory = TemporaryDirectory()
        let harness = try! TinyPADUFES.harness(output: directory.url, epochs: 2)
        let (results, tables) = try! ExperimentSuite(datasetName: "Tiny PAD", harness: harness).run([TinyPADUFES.experiment()])
        return (directory, results, tables)
    }()

    @Test("results.json reads back as the returned results")
    func jsonRoundTrip() throws {
        let root = Self.run.directory.url
        let comparison = try JSONCoding.decoder.decode(ResultsFiles.Comparison.self,
                                                       from: Data(contentsOf: root.appendingPathComponent("results.json")))
        #expect(comparison.dataset == "Tiny PAD")
        #expect(comparison.experiments == Self.run.results)
        let single = try JSONCoding.decoder.decode(CrossValidationResult.self,
                                                   from: Data(contentsOf: root.appendingPathComponent("tiny/results.json")))
        #expect(single == Self.run.results[0])
    }

    @Test("results.csv holds each fold's metrics and the mean and SD rows")
    func csvMatchesMetrics() throws {
        let result = Self.run.results[0]
        for url in [Self.run.directory.url.appendingPathComponent("results.csv"),
                    Self.run.directory.url.appendingPathComponent("tiny/results.csv")] {
            let table = try CSVTable(contentsOf: url)
            #expect(table.header == ResultsFiles.csvHeader(classNames: TinyPADUFES.classNames))
            #expect(table.rows.count == result.folds.count + 2)
            let column = { (name: String) in try table.columnIndex(name) }
            for (row, fold) in zip(table.rows, result.folds) {
                #expect(row.cells[try column("fold")] == String(fold.fold + 1))
                #expect(abs(Double(row.cells[try column("macro_f1")])! - fold.report.macroF1) < Tolerance.metrics)
                #expect(abs(Double(row.cells[try column("accuracy")])! - fold.report.accuracy) < Tolerance.metrics)
                #expect(abs(Double(row.cells[try column("balanced_accuracy")])! - fold.report.balancedAccuracy) < Tolerance.metrics)
                for (c, name) in TinyPADUFES.classNames.enumerated() {
                    #expect(abs(Double(row.cells[try column("f1_\(name)")])! - fold.report.f1[c]) < Tolerance.metrics)
                }
            }
            let mean = table.rows[result.folds.count], sd = table.rows[result.folds.count + 1]
            #expect(mean.cells[1] == "mean" && sd.cells[1] == "sd")
            #expect(abs(Double(mean.cells[try column("macro_f1")])! - result.summary.macroF1.mean) < Tolerance.metrics)
            #expect(abs(Double(sd.cells[try column("accuracy")])! - result.summary.accuracy.sd) < Tolerance.metrics)
        }
    }

    @Test("the printed table shows every class's F1 and the summary as mean (SD) in percent")
    func tableText() throws {
        let result = Self.run.results[0]
        let text = Self.run.tables
        for name in TinyPADUFES.classNames { #expect(text.contains("F1 \(name)")) }
        #expect(text.contains(result.summary.macroF1.formatted()))
        #expect(text.contains(result.summary.balancedAccuracy.formatted()))
        #expect(text.contains(result.perClassF1[1].formatted()))
        #expect(text.contains("mean (SD) over 3 folds"))
        let saved = try String(contentsOf: Self.run.directory.url.appendingPathComponent("table.txt"), encoding: .utf8)
        #expect(saved == text)
    }

    @Test("every plot is well-formed SVG; the confusion matrix shows the summed counts")
    func plotsAreWellFormed() throws {
        let root = Self.run.directory.url
        let files = ["comparison.svg", "tiny/confusion-matrix.svg", "tiny/fold-metrics.svg", "tiny/training-curves.svg"]
        for name in files {
            let data = try Data(contentsOf: root.appendingPathComponent(name))
            let parser = XMLParser(data: data)
            #expect(parser.parse(), "\(name) is not well-formed XML: \(String(describing: parser.parserError))")
            #expect(String(decoding: data, as: UTF8.self).hasPrefix("<svg"))
        }
        let confusion = Self.run.results[0].confusion
        let svg = ConfusionMatrixPlot.svg(confusion: confusion, classNames: TinyPADUFES.classNames, title: "t").svg
        for (t, row) in confusion.enumerated() {
            #expect(svg.contains(">n=\(row.reduce(0, +))<"), "row total of class \(t) missing")
        }
        #expect(svg.contains(">\(confusion[0][0])<"))
    }

    @Test("text in plots is escaped")
    func escaping() {
        var svg = SVGDocument(width: 10, height: 10)
        svg.text("a < b & \"c\"", x: 0, y: 0)
        #expect(svg.svg.contains("a &lt; b &amp; &quot;c&quot;"))
    }

    @Test("colour ramp runs from near-white to deep blue")
    func colourRamp() {
        #expect(ConfusionMatrixPlot.colour(0) == "#f7fbff")
        #expect(ConfusionMatrixPlot.colour(1) == "#08306b")
        #expect(ConfusionMatrixPlot.colour(2) == "#08306b")
    }
}

@Suite("Progress printer")
struct ProgressPrinterTests {
    @Test("a log gets one line per fold and epoch, with the loss, the validation score and an ETA")
    func logLines() throws {
        let output = TemporaryDirectory()
        var text = ""
        let printer = ProgressPrinter(interactive: false, logInterval: 3600) { text += $0 }
        var harness = try TinyPADUFES.harness(output: output.url, epochs: 2)
        harness.observer = printer.handle
        _ = try harness.run(TinyPADUFES.experiment())
        let lines = text.split(separator: "\n")
        #expect(lines.filter { $0.contains("train loss") }.count == 6)
        #expect(lines.contains { $0.hasPrefix("[tiny] fold 1/3: ") && $0.contains("train") && $0.contains("test") })
        #expect(lines.contains { $0.contains("fold 3/3 · epoch 2/2 · train loss") && $0.contains("val macro F1") && $0.contains("ETA") })
        #expect(lines.filter { $0.contains("done: test macro F1") }.count == 3)
        // The first step of the run is shown (the interval starts there); the rest wait for the interval.
        #expect(lines.filter { $0.contains("· step ") }.count == 1)
        #expect(!text.contains("\r"))
    }

    @Test("on a terminal the step line is redrawn in place and cleared before the next full line")
    func interactive() {
        var text = ""
        let printer = ProgressPrinter(interactive: true) { text += $0 }
        let position = FoldPosition(experiment: "x", fold: 0, foldCount: 5)
        printer.handle(.step(StepProgress(position: position, epoch: 0, epochCount: 3, step: 3, stepCount: 4, loss: 0.5, eta: 75)))
        printer.handle(.foldSkipped(position))
        #expect(text.hasPrefix("\r\u{1B}[2K[x] fold 1/5 · epoch 1/3 · step 4/4 · loss 0.5000 · ETA 1m15s"))
        #expect(text.hasSuffix("\r\u{1B}[2K[x] fold 1/5: already complete, using the saved result\n"))
    }
}
