import Foundation

/// Writes the plots of results into a folder.
public enum PlotFiles {
    /// `confusion-matrix.svg`, `fold-metrics.svg`, `training-curves.svg` and `reliability-diagram.svg` of one
    /// experiment, and `stage-curves.svg` when it has earlier stages.
    /// - Returns: the files written.
    @discardableResult
    public static func write(_ result: CrossValidationResult, to directory: URL) throws -> [URL] {
        try RunDirectory.createDirectory(directory)
        let calibration = try result.calibration()
        var files: [(String, SVGDocument)] = [
            ("confusion-matrix.svg", ConfusionMatrixPlot.svg(confusion: result.confusion, classNames: result.classNames,
                                                             title: result.title)),
            ("fold-metrics.svg", FoldMetricsPlot.svg(result)),
            ("training-curves.svg", TrainingCurvesPlot.svg(result)),
            ("reliability-diagram.svg", ReliabilityDiagramPlot.svg(calibration, title: result.title)),
        ]
        if let stages = StageCurvesPlot.svg(result) { files.append(("stage-curves.svg", stages)) }
        return try files.map { name, svg in
            let url = directory.appendingPathComponent(name)
            try svg.write(to: url)
            return url
        }
    }

    /// `comparison.svg` of several experiments.
    @discardableResult
    public static func writeComparison(_ results: [CrossValidationResult], title: String, to directory: URL) throws -> URL {
        try RunDirectory.createDirectory(directory)
        let url = directory.appendingPathComponent("comparison.svg")
        try ComparisonPlot.svg(results, title: title).write(to: url)
        return url
    }
}
