import Foundation

/// Runs several experiments on the same folds and writes everything a person looks at:
///
/// ```
/// <output>/results.json, results.csv     all experiments (one row per fold, plus mean and sd)
/// <output>/table.txt                      the printed tables
/// <output>/summary.md, .csv, .json        Table 1, paired differences, calibration (and missing metadata)
/// <output>/paired-differences.csv         per-fold differences and paired tests for every pair of methods
/// <output>/calibration.csv                reliability-diagram bins of every method
/// <output>/predictions.csv                one row per test sample and method, with its class probabilities
/// <output>/comparison.svg                 the experiments side by side
/// <output>/missing-metadata.csv, .svg     with missingMetadataFields: metrics with each field removed
/// <output>/<experiment>/results.json, results.csv, predictions.csv
/// <output>/<experiment>/confusion-matrix.svg, fold-metrics.svg, training-curves.svg, reliability-diagram.svg
/// <output>/<experiment>/missing-metadata.json   the experiment's missing-metadata analysis, when run
/// ```
public struct ExperimentSuite {
    /// The dataset's name, for titles.
    public let datasetName: String
    /// The harness (samples, folds, output folder, observer).
    public let harness: CrossValidation
    /// The metadata fields to remove at test time, each alone and then all together, for the missing-metadata
    /// analysis (``MissingMetadataAnalysis``) of the experiments that read metadata; nil (the default) skips it.
    /// It costs one more evaluation of every test fold per field, plus rebuilding each fold's model.
    public var missingMetadataFields: [String]?

    /// A suite over `harness`.
    public init(datasetName: String, harness: CrossValidation, missingMetadataFields: [String]? = nil) {
        self.datasetName = datasetName
        self.harness = harness
        self.missingMetadataFields = missingMetadataFields
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
                try ResultsFiles.writePredictions([result], patients: patients, to: directory.appendingPathComponent("predictions.csv"))
                try PlotFiles.write(result, to: directory)
            }
            // A model that reads no metadata cannot change without it: left out rather than listed unchanged.
            // Only the reporting rank re-scores (it reads the fold folders the other ranks finished).
            if writesFiles, let fields = missingMetadataFields, experiment.testTimeReevaluation != .ignoresMetadata {
                if let report = try MissingMetadataAnalysis.run(experiment, result: result, fields: fields, harness: harness) {
                    try RunDirectory.writeJSON(report, to: directory.appendingPathComponent(Self.missingMetadataFile))
                } else {
                    harness.logger.warning("'\(experiment.name)' cannot be re-scored on altered test samples: left out of the missing-metadata analysis")
                }
            }
            results.append(result)
        }
        let all = try merged(with: results, in: root)
        guard writesFiles else {
            let tables = ([ResultsTable.comparison(all, title: datasetName)] + all.map(ResultsTable.folds)
                          + all.compactMap(ResultsTable.stages))
            return (results, tables.joined(separator: "\n\n") + "\n")
        }
        let missing = try all.compactMap { r -> MissingMetadataReport? in
            let url = RunDirectory(root: root, experiment: r.experiment).experimentDirectory.appendingPathComponent(Self.missingMetadataFile)
            return FileManager.default.fileExists(atPath: url.path) ? try RunDirectory.readJSON(MissingMetadataReport.self, from: url) : nil
        }
        try ResultsFiles.write(ResultsFiles.Comparison(dataset: datasetName, experiments: all), to: root)
        let summary = try ResultsFiles.writeSummary(dataset: datasetName, results: all, patients: patients, missingMetadata: missing, to: root)
        try PlotFiles.writeComparison(all, title: datasetName, to: root)
        if !missing.isEmpty { try ResultsFiles.writeMissingMetadata(missing, title: datasetName, to: root) }
        let paired = summary.paired.filter { $0.reference == all.first?.experiment }
        var sections = [ResultsTable.comparison(all, title: datasetName)]
        sections += [ResultsTable.paired(paired), try ResultsTable.calibrationTable(all)?.text].compactMap { $0 }
        sections += missing.map { ResultsTable.missingMetadataTable($0).text }
        let tables = (sections + all.map(ResultsTable.folds) + all.compactMap(ResultsTable.stages))
            .joined(separator: "\n\n") + "\n"
        do { try Data(tables.utf8).write(to: root.appendingPathComponent("table.txt"), options: .atomic) } catch {
            throw ExperimentError(.io, "cannot write \(root.appendingPathComponent("table.txt").path): \(error.localizedDescription)")
        }
        return (results, tables)
    }

    /// The file of an experiment's missing-metadata report, in its folder.
    static let missingMetadataFile = "missing-metadata.json"

    /// The patient of every sample id (for results written before ``FoldResult/patientIDs`` existed).
    private var patients: [String: String] {
        Dictionary(harness.samples.map { ($0.id, $0.patientID) }) { first, _ in first }
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
