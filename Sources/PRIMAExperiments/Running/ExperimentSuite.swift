import Foundation

/// Runs several experiments on the same folds and writes everything a person looks at:
///
/// ```
/// <output>/results.json, results.csv     all experiments (one row per fold, plus mean and sd)
/// <output>/table.txt                      the printed tables
/// <output>/comparison.svg                 the experiments side by side
/// <output>/<experiment>/results.json, results.csv
/// <output>/<experiment>/confusion-matrix.svg, fold-metrics.svg, training-curves.svg
/// ```
public struct ExperimentSuite {
    /// The dataset's name, for titles.
    public let datasetName: String
    /// The harness (samples, folds, output folder, observer).
    public let harness: CrossValidation

    /// A suite over `harness`.
    public init(datasetName: String, harness: CrossValidation) {
        self.datasetName = datasetName
        self.harness = harness
    }

    /// Runs (or resumes) each experiment, writes its files, then the comparison.
    ///
    /// The output folder's comparison (`results.json`, `results.csv`, `table.txt`, `comparison.svg`) keeps the
    /// experiments an earlier run of the folder finished: running again with fewer experiments replaces the
    /// rows of those it ran and adds new ones, never drops the others.
    /// With the harness's folds spread over several processes, every rank returns the same results and tables and
    /// rank 0 alone writes the files.
    /// - Returns: the results of `experiments`, in their order, and the tables (of every experiment in the
    ///   comparison) as text.
    /// - Throws: the harness's errors, or ``ExperimentError`` when the folder's `results.json` cannot be read or
    ///   holds other classes.
    public func run(_ experiments: [any FoldExperiment]) throws -> (results: [CrossValidationResult], tables: String) {
        let root = harness.configuration.outputDirectory
        let writesFiles = harness.processGroup.rank == 0
        var results: [CrossValidationResult] = []
        for experiment in experiments {
            let result = try harness.run(experiment)
            let directory = RunDirectory(root: root, experiment: experiment.name).experimentDirectory
            if writesFiles {
                try ResultsFiles.write(result, to: directory)
                try PlotFiles.write(result, to: directory)
            }
            results.append(result)
        }
        let all = try merged(with: results, in: root)
        let tables = ([ResultsTable.comparison(all, title: datasetName)] + all.map(ResultsTable.folds)
                      + all.compactMap(ResultsTable.stages))
            .joined(separator: "\n\n") + "\n"
        guard writesFiles else { return (results, tables) }
        try ResultsFiles.write(ResultsFiles.Comparison(dataset: datasetName, experiments: all), to: root)
        try PlotFiles.writeComparison(all, title: datasetName, to: root)
        do { try Data(tables.utf8).write(to: root.appendingPathComponent("table.txt"), options: .atomic) } catch {
            throw ExperimentError(.io, "cannot write \(root.appendingPathComponent("table.txt").path): \(error.localizedDescription)")
        }
        return (results, tables)
    }

    /// The experiments of the folder's earlier `results.json` with `results` in place of those run again, then
    /// the new ones.
    private func merged(with results: [CrossValidationResult], in root: URL) throws -> [CrossValidationResult] {
        let url = root.appendingPathComponent("results.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return results }
        let previous = try RunDirectory.readJSON(ResultsFiles.Comparison.self, from: url)
        let classNames = harness.classNames
        if let other = previous.experiments.first(where: { $0.classNames != classNames }) {
            throw ExperimentError(.incompatibleRun, "\(url.path) holds '\(other.experiment)' with the classes \(other.classNames.joined(separator: ", ")), not \(classNames.joined(separator: ", ")); use another output folder")
        }
        let fresh = Dictionary(results.map { ($0.experiment, $0) }) { $1 }
        let kept = previous.experiments.map { fresh[$0.experiment] ?? $0 }
        let keptNames = Set(kept.map(\.experiment))
        return kept + results.filter { !keptNames.contains($0.experiment) }
    }
}
