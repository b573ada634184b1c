import PRIMAData

/// The paper's tables as plain text for a terminal: metrics in percent as "mean (SD)" over folds.
public enum ResultsTable {
    /// One row per experiment (Table 1 of the paper): per-class F1, macro F1, accuracy, balanced accuracy.
    public static func comparison(_ results: [CrossValidationResult], title: String? = nil) -> String {
        comparisonTable(results, title: title)?.text ?? ""
    }

    /// The cells of ``comparison(_:title:)``, for the text, Markdown and CSV renderings; nil for no results.
    public static func comparisonTable(_ results: [CrossValidationResult], title: String? = nil) -> Table? {
        guard let first = results.first else { return nil }
        let header = ["Method"] + first.classNames.map { "F1 \($0)" } + ["Macro F1", "Accuracy", "Balanced acc."]
        let rows = results.map { r in
            [r.title] + r.perClassF1.map { $0.formatted() }
                + [r.summary.macroF1.formatted(), r.summary.accuracy.formatted(), r.summary.balancedAccuracy.formatted()]
        }
        let foldCount = first.folds.count
        let caption = (title.map { $0 + " — " } ?? "") + "mean (SD) over \(foldCount) folds, in percent"
        return Table(caption: caption, header: header, rows: rows)
    }

    /// One row per fold of one experiment, then the mean (SD) row.
    public static func folds(_ result: CrossValidationResult) -> String {
        let header = ["Fold"] + result.classNames.map { "F1 \($0)" } + ["Macro F1", "Accuracy", "Balanced acc.", "Best epoch"]
        func percent(_ x: Double) -> String { String(format: "%.2f", x * 100) }
        var rows = result.folds.map { f in
            ["\(f.fold + 1)"] + f.report.f1.map(percent)
                + [percent(f.report.macroF1), percent(f.report.accuracy), percent(f.report.balancedAccuracy), "\(f.bestEpoch + 1)"]
        }
        rows.append(["mean (SD)"] + result.perClassF1.map { $0.formatted() }
                    + [result.summary.macroF1.formatted(), result.summary.accuracy.formatted(),
                       result.summary.balancedAccuracy.formatted(), ""])
        return render(header: header, rows: rows, caption: result.title)
    }

    /// The held-out metrics of each earlier stage (``StageRecord``) per fold as "before → after", then the
    /// mean over folds; nil when the experiment has no stage with held-out metrics. For PRIMA's alignment:
    /// retrieval recall@1/@5 on the test fold (chance recall@1 is 1 / N, N the `retrieval_candidates`).
    public static func stages(_ result: CrossValidationResult) -> String? {
        let records = result.folds.flatMap { fold in (fold.stages ?? []).map { (fold.fold, $0) } }
        let names = Array(Set(records.flatMap { $0.1.heldOutAfter.keys })).sorted()
        guard !names.isEmpty else { return nil }
        func number(_ x: Double?) -> String { x.map { $0 == $0.rounded() && abs($0) >= 2 ? String(Int($0)) : String(format: "%.3f", $0) } ?? "—" }
        func cell(_ before: Double?, _ after: Double?) -> String { before == after ? number(after) : "\(number(before)) → \(number(after))" }
        func mean(_ values: [Double?]) -> Double? {
            let known = values.compactMap { $0 }
            return known.isEmpty ? nil : known.reduce(0, +) / Double(known.count)
        }
        var rows = records.filter { !$0.1.heldOutAfter.isEmpty }.map { fold, record in
            ["\(fold + 1)", record.stage] + names.map { cell(record.heldOutBefore[$0], record.heldOutAfter[$0]) }
        }
        for stage in Array(Set(records.map(\.1.stage))).sorted() {
            let these = records.map(\.1).filter { $0.stage == stage && !$0.heldOutAfter.isEmpty }
            guard !these.isEmpty else { continue }
            rows.append(["mean", stage] + names.map { name in cell(mean(these.map { $0.heldOutBefore[name] }), mean(these.map { $0.heldOutAfter[name] })) })
        }
        return render(header: ["Fold", "Stage"] + names, rows: rows,
                      caption: "\(result.title) — earlier stages on the held-out fold, before → after training")
    }

    /// Aligns cells in columns: the first column left-aligned, the others right-aligned.
    static func render(header: [String], rows: [[String]], caption: String) -> String {
        Table(caption: caption, header: header, rows: rows).text
    }
}

extension ResultsTable {
    /// A table's caption and cells, rendered for a terminal (``text``) or as GitHub-flavoured Markdown
    /// (``markdown``).
    public struct Table: Sendable, Equatable {
        /// The line above the table.
        public let caption: String
        /// The column titles.
        public let header: [String]
        /// The rows, each with one cell per column.
        public let rows: [[String]]

        /// A table; every row must have one cell per column.
        public init(caption: String, header: [String], rows: [[String]]) {
            precondition(rows.allSatisfy { $0.count == header.count }, "every row needs one cell per column")
            self.caption = caption
            self.header = header
            self.rows = rows
        }

        /// Columns padded to their widest cell, the first left-aligned and the others right-aligned, between rules.
        public var text: String {
            let all = [header] + rows
            let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { c, cell in
                    let pad = String(repeating: " ", count: widths[c] - cell.count)
                    return c == 0 ? cell + pad : pad + cell
                }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            }
            let rule = String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1))
            return ([caption, rule, line(header), rule] + rows.map(line) + [rule]).joined(separator: "\n")
        }

        /// The caption in italics, then a Markdown table (first column left-aligned, the others right-aligned;
        /// `|` in cells escaped).
        public var markdown: String {
            func line(_ cells: [String]) -> String {
                "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
            }
            let alignment = "|" + header.indices.map { $0 == 0 ? " :--- " : " ---: " }.joined(separator: "|") + "|"
            return (["*\(caption)*", "", line(header), alignment] + rows.map(line)).joined(separator: "\n")
        }
    }
}
