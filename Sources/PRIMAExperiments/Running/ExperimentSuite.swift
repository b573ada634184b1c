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
    /// - Returns: the results, in the order of `experiments`, and the tables as text.
    public func run(_ experiments: [any FoldExperiment]) throws -> (results: [CrossValidationResult], tables: String) {
        let root = harness.configuration.outputDirectory
        var results: [CrossValidationResult] = []
        for experiment in experiments {
            let result = try harness.run(experiment)
            let directory = RunDirectory(root: root, experiment: experiment.name).experimentDirectory
            try ResultsFiles.write(result, to: directory)
            try PlotFiles.write(result, to: directory)
            results.append(result)
        }
        try ResultsFiles.write(ResultsFiles.Comparison(dataset: datasetName, experiments: results), to: root)
        try PlotFiles.writeComparison(results, title: datasetName, to: root)
        let tables = ([ResultsTable.comparison(results, title: datasetName)] + results.map(ResultsTable.folds)
                      + results.compactMap(ResultsTable.stages))
            .joined(separator: "\n\n") + "\n"
        do { try Data(tables.utf8).write(to: root.appendingPathComponent("table.txt"), options: .atomic) } catch {
            throw ExperimentError(.io, "cannot write \(root.appendingPathComponent("table.txt").path): \(error.localizedDescription)")
        }
        return (results, tables)
    }
}
