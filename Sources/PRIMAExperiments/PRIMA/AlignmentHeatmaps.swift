import Foundation
import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMATensor

extension AlignmentStage {
    /// The word → patch attention figure of one sample under the network the stage trained into `trained`
    /// (its output folder): the sample's first photo through the evaluation transform, one panel per word of
    /// its metadata text (`AttentionHeatmap/wordPanels(attention:tokens:wordMask:)`).
    /// - Throws: when the network or the photo cannot be read, or the text has no word.
    public func attentionFigure(of sample: DatasetSample, trained: URL, renderer: AttentionHeatmap = AttentionHeatmap()) throws -> RGBImage {
        let model = try loadModel(StageInput(fold: 0, train: [], classNames: [], seed: 0), trained: trained).model
        model.eval()
        let loader = pipeline.loader([sample], batchSize: 1, training: false, seed: 0, views: 1)
        var batches = loader.epoch(0)
        guard let batch = try batches.next(), let path = sample.imagePaths.first else {
            throw ExperimentError(.invalidOption, "sample '\(sample.id)' has no photo")
        }
        guard let tokenizer = text.encoder.tokenizer else {
            throw ExperimentError(.invalidOption, "heatmaps need a text encoder with a tokenizer")
        }
        let (projectedText, projectedImage) = try noGrad { (try model.projectTexts(batch.texts), try model.projectImages(batch.view1)) }
        let ids = try text.encoder.tokenize(batch.texts, maxLength: text.maxLength).ids.scalars.map { Int($0) }
        let photo = try pipeline.decode(path)
        do {
            return try renderer.render(photo: photo, text: projectedText, image: projectedImage,
                                       tokens: ids.map { tokenizer.token(for: $0) ?? "?" })
        } catch let error as AlignmentError {
            throw ExperimentError(.invalidOption, "heatmap of sample '\(sample.id)': \(error)")
        }
    }
}

extension PRIMAAlignmentExperiment {
    /// Writes the attention figures (PNG) of the first `count` test samples of fold 1 of a finished run in
    /// `runRoot` into `<runRoot>/<experiment>/heatmaps/`.
    /// - Returns: the files written.
    /// - Throws: ``ExperimentError`` when fold 1's alignment stage is not complete, or a figure fails.
    public func writeHeatmaps(count: Int, samples: [DatasetSample], assignment: FoldAssignment, runRoot: URL) throws -> [URL] {
        let run = RunDirectory(root: runRoot, experiment: name)
        let trained = StageRunner.outputFolder(alignmentStage.name, in: run.foldDirectory(0))
        guard FileManager.default.fileExists(atPath: StageRunner.recordFile(alignmentStage.name, in: run.foldDirectory(0)).path) else {
            throw ExperimentError(.invalidOption, "no finished alignment stage in \(trained.path); run the prima-alignment experiment first")
        }
        let folder = run.experimentDirectory.appendingPathComponent("heatmaps", isDirectory: true)
        try RunDirectory.createDirectory(folder)
        let test = assignment.split(0).test.map { samples[$0] }
        var files: [URL] = []
        for sample in test.prefix(count) {
            let figure = try alignmentStage.attentionFigure(of: sample, trained: trained)
            let safe = String(sample.id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
            let url = folder.appendingPathComponent("fold-1-\(safe).png")
            do { try PNGEncoder.write(figure, to: url) } catch {
                throw ExperimentError(.io, "cannot write \(url.path): \(ExperimentError.describe(error))")
            }
            files.append(url)
        }
        return files
    }
}
