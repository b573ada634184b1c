import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows a cross-validation's progress on standard error, for executables: one line per epoch and fold, and a
/// step line (fold, epoch, step, loss, ETA) that is redrawn in place on a terminal and printed now and then
/// into a log file.
///
/// ```swift
/// let printer = ProgressPrinter()
/// harness.observer = printer.handle
/// ```
public final class ProgressPrinter {
    private let interactive: Bool
    private let stepInterval: TimeInterval
    private let output: (String) -> Void
    private var lastStepLine = Date.distantPast
    private var stepLineShown = false

    /// A printer; `interactive` (standard error is a terminal, by default) redraws the step line in place up
    /// to ten times a second, otherwise a step line is printed at most every `logInterval` seconds.
    /// - Parameters:
    ///   - interactive: redraw the step line in place (default: standard error is a terminal).
    ///   - logInterval: seconds between step lines when not interactive.
    ///   - output: where the text goes (standard error by default).
    public init(interactive: Bool = isatty(2) != 0, logInterval: TimeInterval = 30,
                output: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.interactive = interactive
        self.stepInterval = interactive ? 0.1 : logInterval
        self.output = output
    }

    /// Prints `event` (pass this method as ``CrossValidation/observer``).
    public func handle(_ event: ProgressEvent) {
        switch event {
        case let .foldStarted(p, sizes, resumed):
            let resumeNote = resumed.map { ", resuming after epoch \($0)" } ?? ""
            line("[\(p.experiment)] fold \(p.fold + 1)/\(p.foldCount): \(sizes.train) train, \(sizes.validation) validation, \(sizes.test) test\(resumeNote)")
        case let .foldSkipped(p):
            line("[\(p.experiment)] fold \(p.fold + 1)/\(p.foldCount): already complete, using the saved result")
        case let .step(s):
            let now = Date()
            // On a terminal the last step of an epoch is always drawn; in a log, the epoch line says it.
            guard now.timeIntervalSince(lastStepLine) >= stepInterval || (interactive && s.step + 1 == s.stepCount) else { return }
            lastStepLine = now
            let text = "[\(s.position.experiment)] fold \(s.position.fold + 1)/\(s.position.foldCount) · epoch \(s.epoch + 1)/\(s.epochCount) · step \(s.step + 1)/\(s.stepCount) · loss \(String(format: "%.4f", s.loss))"
                + (s.eta.map { " · ETA \(formatDuration($0))" } ?? "")
            if interactive {
                write("\r\u{1B}[2K" + text)
                stepLineShown = true
            } else {
                line(text)
            }
        case let .epochFinished(p, record, epochs, isBest, eta):
            let text = "[\(p.experiment)] fold \(p.fold + 1)/\(p.foldCount) · epoch \(record.epoch + 1)/\(epochs) · train loss \(String(format: "%.4f", record.trainLoss)) · val loss \(String(format: "%.4f", record.validationLoss)) · val macro F1 \(String(format: "%.1f%%", record.validationMacroF1 * 100))"
                + (isBest ? " (best)" : "") + (eta.map { " · ETA \(formatDuration($0))" } ?? "")
            line(text)
        case let .stageStarted(p, stage):
            line("[\(p.experiment)] fold \(p.fold + 1)/\(p.foldCount) · stage \(stage): training")
        case let .stageEpochFinished(p, stage, record):
            let losses = record.losses.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }
            line("[\(p.experiment)] fold \(p.fold + 1)/\(p.foldCount) · stage \(stage) · epoch \(record.epoch + 1) · " + losses.joined(separator: " · "))
        case let .stageFinished(p, record, skipped):
            let metrics = record.heldOutAfter.keys.sorted().map { key in
                "\(key) \(record.heldOutBefore[key].map { String(format: "%.3f", $0) } ?? "—") → \(String(format: "%.3f", record.heldOutAfter[key]!))"
            }
            line("[\(p.experiment)] fold \(p.fold + 1)/\(p.foldCount) · stage \(record.stage) " + (skipped ? "already complete" : "done")
                 + (metrics.isEmpty ? "" : " · held-out " + metrics.joined(separator: ", ")))
        case let .runStageStarted(experiment, stage):
            line("[\(experiment)] stage \(stage) (once per run): training")
        case let .runStageEpochFinished(experiment, stage, record):
            let losses = record.losses.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }
            line("[\(experiment)] stage \(stage) · epoch \(record.epoch + 1) · " + losses.joined(separator: " · "))
        case let .runStageFinished(experiment, record, skipped):
            let metrics = record.heldOutAfter.keys.sorted().map { key in
                "\(key) \(record.heldOutBefore[key].map { String(format: "%.3f", $0) } ?? "—") → \(String(format: "%.3f", record.heldOutAfter[key]!))"
            }
            line("[\(experiment)] stage \(record.stage) (once per run) " + (skipped ? "already complete" : "done")
                 + (metrics.isEmpty ? "" : " · held-out " + metrics.joined(separator: ", ")))
        case let .foldFinished(p, result):
            line("[\(p.experiment)] fold \(p.fold + 1)/\(p.foldCount) done: test macro F1 \(String(format: "%.2f", result.report.macroF1 * 100)), accuracy \(String(format: "%.2f", result.report.accuracy * 100)), balanced accuracy \(String(format: "%.2f", result.report.balancedAccuracy * 100)) (epoch \(result.bestEpoch + 1))")
        }
    }

    /// A full line, first clearing a step line drawn in place.
    private func line(_ text: String) {
        if stepLineShown {
            write("\r\u{1B}[2K")
            stepLineShown = false
        }
        write(text + "\n")
    }

    private func write(_ text: String) { output(text) }
}
