// prima-padufes: five-fold cross-validation of PRIMA and the paper's two baselines on PAD-UFES-20.
import ArgumentParser
import Foundation
import PRIMAData
import PRIMAExampleSupport
import PRIMAExperiments

struct PADUFES20Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prima-padufes",
        abstract: "Cross-validates PRIMA beside the image-only and image+metadata baselines on PAD-UFES-20.",
        discussion: """
            With no options, generates a synthetic PAD-UFES-20 look-alike into the cache folder ($PRIMA_CACHE, \
            else ~/.cache/prima-swift) and runs PRIMA and both baselines over five patient-disjoint folds. Prints the \
            paper-style table and writes results.json, results.csv, table.txt and SVG plots to the output folder. \
            Started again with the same output folder, an interrupted run continues where it stopped.

            \(ExperimentOptions.methodsOverview)
            """)

    @Option(help: ArgumentHelp("The PAD-UFES-20 folder (metadata.csv, imgs_part_1…3).", valueName: "folder"))
    var dataDir: String?
    @OptionGroup var common: ExperimentOptions
    @Option(help: ArgumentHelp("Output folder; reuse it to resume an interrupted run.", valueName: "folder"))
    var output = "prima-runs/pad-ufes-20"
    @Option(parsing: .unconditional, help: "Photos of the synthetic dataset (when no --data-dir).") var syntheticImages = 600

    func validate() throws {
        try common.validate(output: output, dataDir: dataDir)
        if dataDir == nil, syntheticImages < 30 { throw ValidationError("--synthetic-images must be at least 30, got \(syntheticImages)") }
    }

    func run() throws { try common.run(execute) }

    func execute() throws {
        let root: URL
        if let dataDir {
            root = URL(fileURLWithPath: dataDir, isDirectory: true)
        } else {
            let cache = common.cacheRoot
            common.note("no --data-dir: using the synthetic PAD-UFES-20 look-alike (\(syntheticImages) photos) in \(cache.path)")
            root = try DatasetCache.syntheticPADUFES(imageCount: syntheticImages, seed: common.seed, in: cache)
        }
        let dataset = try PADUFESDataset(root: root, paths: common.datasetPaths)
        let samples = dataset.lesionSamples()
        common.note("\(dataset.report); \(samples.count) lesions of \(Set(samples.map(\.patientID)).count) patients")
        try common.runBaselines(datasetName: "PAD-UFES-20", samples: samples, classNames: PADUFES.schema.label.classes,
                                schema: PADUFES.schema, output: output)
    }
}

PADUFES20Command.mainReportingErrorsOnOneLine()
