// prima-aqua: five-fold cross-validation of PRIMA and the paper's two baselines on a dataset in the AQUA layout.
import ArgumentParser
import Foundation
import PRIMAData
import PRIMAExampleSupport
import PRIMAExperiments

struct AQUACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prima-aqua",
        abstract: "Cross-validates PRIMA beside the image-only and image+metadata baselines on a dataset in the AQUA layout.",
        discussion: """
            The AQUA layout: manifest.csv (patient_id, image_path, illumination, label), metadata.csv (one row \
            per patient) and schema.json (fields and classes). One sample per patient, folds never split a \
            patient. With no --data-dir, generates a synthetic keratitis look-alike into the cache folder \
            ($PRIMA_CACHE, else ~/.cache/prima-swift). Started again with the same output folder, an \
            interrupted run continues where it stopped.

            \(ExperimentOptions.methodsOverview)
            """)

    @Option(help: ArgumentHelp("A dataset folder in the AQUA layout (manifest.csv, metadata.csv, schema.json).", valueName: "folder"))
    var dataDir: String?
    @Option(name: .customLong("illumination"), help: "Use only photos of this illumination (repeat for several). Default: all.")
    var illuminations: [String] = []
    @OptionGroup var common: ExperimentOptions
    @Option(help: ArgumentHelp("Output folder; reuse it to resume an interrupted run.", valueName: "folder"))
    var output = "prima-runs/aqua"
    @Option(parsing: .unconditional, help: "Patients of the synthetic dataset (when no --data-dir).") var syntheticPatients = 400

    func validate() throws {
        try common.validate(output: output, dataDir: dataDir)
        if dataDir == nil, syntheticPatients < 20 { throw ValidationError("--synthetic-patients must be at least 20, got \(syntheticPatients)") }
    }

    func run() throws { try common.run(execute) }

    func execute() throws {
        let root: URL
        if let dataDir {
            root = URL(fileURLWithPath: dataDir, isDirectory: true)
        } else {
            let cache = common.cacheRoot
            common.note("no --data-dir: using the synthetic AQUA look-alike (\(syntheticPatients) patients) in \(cache.path)")
            root = try DatasetCache.syntheticAQUA(patientCount: syntheticPatients, seed: common.seed, in: cache)
        }
        let dataset = try AQUADataset(root: root, paths: common.datasetPaths)
        let wanted = illuminations.isEmpty ? nil : Set(illuminations.map { $0.lowercased() })
        if let wanted {
            let known = Set(dataset.photos.map(\.illumination))
            let unknown = wanted.subtracting(known).sorted()
            guard unknown.isEmpty else {
                throw ExperimentError(.invalidOption, "--illumination \(unknown.joined(separator: ", ")): no photo has it; the data has \(known.sorted().joined(separator: ", "))")
            }
        }
        let samples = dataset.patientSamples(illuminations: wanted)
        common.note("\(dataset.report); \(samples.count) patients, \(dataset.photos.count) photos")
        try common.runBaselines(datasetName: "AQUA layout", samples: samples, classNames: dataset.schema.label.classes,
                                schema: dataset.schema, output: output)
    }
}

AQUACommand.mainReportingErrorsOnOneLine()
