import Foundation
import PRIMAAlign
import PRIMAData
import PRIMANN
import PRIMAText
import PRIMATensor
import PRIMAVision
import Testing

// The code of the article PRIMAAlign.docc/TrainingStageTwo.md, verbatim (imports above). The test below checks
// that every code block of the article appears here, so the article cannot drift from compiling code.

/// Stage 2 on one fold's training samples; returns the manifest of the saved aligned encoder.
func trainStageTwo(training samples: [DatasetSample], classCount: Int, dinov3Folder: URL, textFolder: URL,
                   stageOneAdapters: URL?, objective: AlignmentObjective, output: URL) throws -> AlignedEncoderManifest {
    var rng = RandomGenerator(seed: 42)
    let image = try DINOv3Model(contentsOf: dinov3Folder)
    let text = try TextEncoder(contentsOf: textFolder)
    try StageTwoSetup.prepareTextEncoder(text, stageOneAdapters: stageOneAdapters)   // merged, then frozen

    let model = try AlignmentModel(imageEncoder: image, metadataEncoder: text,
                                   configuration: AlignmentModelConfiguration(sharedWidth: 256), using: &rng)
    try StageTwoSetup.prepare(model, image: .lora(.dinov3()), using: &rng)   // LoRA rank 32 on q/k/v/o

    let schema = PADUFES.schema
    let loader = TwoViewLoader(samples: samples, transform: DINOv3Preprocessing.trainingTransform(),
                               renderer: MetadataTextRenderer(schema: schema), encoder: MetadataVectorEncoder(schema: schema),
                               configuration: .init(batchSize: 32, seed: 42, dropLast: true))
    let trainer = try AlignmentTrainer(model: model, objective: objective, loader: loader,
                                       configuration: .init(epochs: 150, checkpointURL: output.appendingPathComponent("stage2.ckpt")))
    if FileManager.default.fileExists(atPath: output.appendingPathComponent("stage2.ckpt").path) {
        try trainer.resume(from: output.appendingPathComponent("stage2.ckpt"))
    }
    trainer.onEpoch = { epoch in
        print("epoch \(epoch.epoch + 1): \(epoch.meanTotal)", epoch.meanTerms.map { "\($0.name) \($0.value)" })
    }
    try trainer.train()

    let refinement = try SupervisedRefinementTrainer(model: model, classCount: classCount, loader: loader, using: &rng)
    try refinement.train()
    return try AlignedImageEncoder.save(model, classifier: refinement.classifier, stage: "supervised refinement",
                                        seed: 42, to: output.appendingPathComponent("aligned-image-encoder.safetensors"))
}

/// A small CNN: 4×4 patches become the local tokens; their mean, projected, is the global feature.
final class SmallConvEncoder: Module, ImageEncoder {
    @Key("patch_embed") var patchEmbed: Conv2d
    @Key("proj") var projection: Linear
    let width: Int

    init(width: Int, using rng: inout RandomGenerator) {
        self.width = width
        super.init()
        patchEmbed = Conv2d(inputChannels: 3, outputChannels: width, kernelSize: Size2D(4), stride: Size2D(4), using: &rng)
        projection = Linear(width, width, using: &rng)
    }

    var featureWidth: Int { width }

    func encodeImages(_ pixels: Tensor) -> ImageFeatures {
        let maps = patchEmbed(pixels).gelu()
        let (b, h, w) = (maps.shape[0], maps.shape[2], maps.shape[3])
        let tokens = maps.reshaped([b, width, h * w]).transposed(1, 2)
        return ImageFeatures(global: projection(tokens.mean(axis: 1)), tokens: tokens, grid: PatchGrid(height: h, width: w))
    }
}

/// Pulls each view's global feature towards its own text's.
struct CosineDistanceLoss: AlignmentLoss {
    var name: String { "cosine_distance" }
    func loss(_ inputs: AlignmentInputs) throws -> Tensor {
        let text = inputs.text.cls.l2Normalized(axis: 1)
        let distances = inputs.views.map { (1 - ($0.global.l2Normalized(axis: 1) * text).sum(axis: 1)).mean() }
        return (distances[0] + distances[1]) * 0.5
    }
}

func alignMyEncoder(text: TextEncoder, loader: TwoViewLoader) throws -> RetrievalRecall {
    var rng = RandomGenerator(seed: 1)
    let model = try AlignmentModel(imageEncoder: SmallConvEncoder(width: 64, using: &rng), metadataEncoder: text,
                                   configuration: AlignmentModelConfiguration(sharedWidth: 32), using: &rng)
    try StageTwoSetup.prepare(model, image: .full, using: &rng)   // a small encoder trains entirely
    let objective = AlignmentObjective([.init(weight: 1, loss: CosineDistanceLoss())])
    let trainer = try AlignmentTrainer(model: model, objective: objective, loader: loader,
                                       configuration: .init(epochs: 20, optimization: OptimizationSettings(learningRate: 1e-3)))
    try trainer.train()
    return try RetrievalRecall.evaluate(model, loader: loader)
}

@Suite struct TrainingStageTwoArticleTests {
    @Test func everyCodeBlockOfTheArticleIsCompiledHere() throws {
        let here = URL(fileURLWithPath: #filePath)
        let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let article = try String(contentsOf: root.appendingPathComponent("Sources/PRIMAAlign/PRIMAAlign.docc/TrainingStageTwo.md"), encoding: .utf8)
        let source = try String(contentsOf: here, encoding: .utf8)
        let blocks = article.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count == 2)
        for block in blocks {
            let code = block.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("import ") }
                .joined(separator: "\n").trimmingCharacters(in: .newlines)
            #expect(source.contains(code), "article block starting \(code.prefix(60)) is not in this test file")
        }
    }

    @Test func theOwnEncoderExampleRuns() throws {
        let samples = AlignFixtures.samples(count: 8)
        let recall = try alignMyEncoder(text: AlignFixtures.textEncoder(for: samples), loader: AlignFixtures.loader(samples))
        #expect(recall.sampleCount == 8)
        // trainStageTwo needs real checkpoints and 150 epochs: it is compiled here, not run.
        _ = trainStageTwo
    }
}
