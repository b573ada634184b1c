import Foundation
import PRIMANN
import PRIMATensor
import PRIMAText
import Testing

/// The package's loading convention: every `init(contentsOf:)` / `load…(contentsOf:)` of a checkpoint folder
/// returns the model in evaluation mode (dropout off), and `loadCheckpoint(fromFile:)` reads one weights file.
@Suite struct EncoderLoadingTests {
    static func inEvaluationMode(_ module: Module) -> Bool { module.namedModules().allSatisfy { !$0.module.isTraining } }

    @Test func folderLoadersReturnEvaluationMode() throws {
        let modern = EncoderFixtures.folder("modernbert_tiny"), bert = EncoderFixtures.folder("bert_tiny_mlm")
        let models: [Module] = [
            try ModernBERTModel(contentsOf: modern), try ModernBERTForMaskedLM(contentsOf: modern),
            try BERTModel(contentsOf: bert), try BERTForMaskedLM(contentsOf: bert),
            try TextEncoder(contentsOf: modern), try TextEncoder(contentsOf: EncoderFixtures.folder("bert_tiny")),
            try TextEncoderArchitecture.loadMaskedLanguageModel(contentsOf: bert),
            try TextEncoderArchitecture.read(from: modern).loadBackbone(contentsOf: modern),
        ]
        for model in models { #expect(Self.inEvaluationMode(model), "\(type(of: model))") }
    }

    @Test func weightsFileLoadsIntoAnExistingModel() throws {
        let folder = EncoderFixtures.folder("bert_tiny_mlm")
        let reference = try BERTForMaskedLM(contentsOf: folder)
        var rng = RandomGenerator(seed: 2)
        let model = BERTForMaskedLM(config: reference.bert.config, using: &rng)
        try model.loadCheckpoint(fromFile: folder.appendingPathComponent("model.safetensors"))
        #expect(model.isTraining)
        let (a, b) = (model.stateDict(), reference.stateDict())
        #expect(a.keys.sorted() == b.keys.sorted() && a.allSatisfy { $0.value.scalars == b[$0.key]!.scalars })
    }
}
