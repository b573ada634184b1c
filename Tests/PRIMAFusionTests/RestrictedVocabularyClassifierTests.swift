import Foundation
import PRIMAFusion
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing

/// The vocabulary-restricted classifier head, LoRA on Qwen3, and training through spliced embeddings.
@Suite struct RestrictedVocabularyClassifierTests {
    static func tinyConfig() -> Qwen3Config {
        var c = Qwen3Config()
        c.vocabSize = 32
        c.hiddenSize = 32
        c.intermediateSize = 64
        c.numHiddenLayers = 2
        c.numAttentionHeads = 4
        c.numKeyValueHeads = 2
        c.headDim = 8
        c.initializerRange = 0.1
        c.tieWordEmbeddings = true
        return c
    }

    @Test func logitsAreTheLMHeadsAtTheClassTokens() throws {
        let model = try Qwen3Fixtures.model("qwen3_untied")
        let classifier = RestrictedVocabularyClassifier(classTokenIDs: [7, 3, 50])
        let ids = Tensor(shape: [2, 4], scalars: [0, 0, 9, 8, 1, 2, 3, 4])
        let mask = Tensor(shape: [2, 4], scalars: [0, 0, 1, 1, 1, 1, 1, 1])
        let (restricted, full) = noGrad {
            (classifier.logits(model: model, tokenIDs: ids, attentionMask: mask),
             model(tokenIDs: ids, attentionMask: mask, logits: .lastToken).logits!)
        }
        let v = model.config.vocabSize
        let expected = Tensor(shape: [2, 3], scalars: [0, 1].flatMap { row in [7, 3, 50].map { full.scalars[row * v + $0] } })
        #expect(maxScaledError(restricted, expected) < Tolerance.forward)
    }

    @Test func gradientOfSplicedEmbeddingsMatchesFiniteDifferences() throws {
        var rng = RandomGenerator(seed: 4)
        let model = Qwen3ForCausalLM(config: Self.tinyConfig(), initialization: .random(seed: 1))
        model.freeze()
        let classifier = RestrictedVocabularyClassifier(classTokenIDs: [1, 2])
        let x = Tensor.randomNormal([2, 3, 32], std: 0.5, using: &rng)
        let mask = Tensor(shape: [2, 3], scalars: [1, 1, 1, 1, 1, 0])
        let labels = Tensor([1, 0])
        let loss = { (e: Tensor) in
            classifier.loss(logits: classifier.logits(model: model, inputEmbeddings: e, attentionMask: mask), labels: labels)
        }
        let numeric = finiteDifferenceGradient(of: loss, at: x)
        let analytic = autodiffGradient(of: loss, at: x)
        #expect(maxRelativeError(analytic, numeric) < Tolerance.finiteDifference)
    }

    /// A toy two-class task: each sequence is a few prompt tokens, then one projected feature vector
    /// spliced in as a soft token; the class is the sign of the feature's first coordinate. Only the LoRA
    /// adapters (rank 16 on every projection) and the projector train; the backbone stays frozen.
    @Test func learnsAToyTaskThroughTheRestrictedHead() throws {
        var rng = RandomGenerator(seed: 11)
        let model = Qwen3ForCausalLM(config: Self.tinyConfig(), initialization: .random(seed: 2))
        let adapted = try LoRA.apply(to: model, LoRA.Configuration(rank: 16, alpha: 32, targets: Qwen3ForCausalLM.loraTargets),
                                     using: &rng)
        #expect(adapted.count == 2 * 7)
        let projector = Linear(4, 32, using: &rng)
        let classifier = RestrictedVocabularyClassifier(classTokenIDs: [5, 9])
        let optimizer = AdamW(parameters: LoRA.adapters(in: model).flatMap { entry in
            entry.adapter.namedParameters().map { (key: entry.key + "." + $0.key, parameter: $0.parameter) }
        } + projector.namedParameters(), learningRate: 1e-2, weightDecay: 0)

        let batch = 16
        let labels = Tensor((0..<batch).map { Float($0 % 2) })
        var features = Tensor.randomNormal([batch, 4], using: &rng).scalars
        for i in 0..<batch { features[i * 4] = (i % 2 == 0 ? -1 : 1) * (0.5 + abs(features[i * 4])) }
        let featureTensor = Tensor(shape: [batch, 1, 4], scalars: features)
        let prompt = Tensor.randomInt([batch, 3], in: 10..<32, using: &rng)
        func classLogits() -> Tensor {
            let inputs = Tensor.concat([model.embed(prompt), projector(featureTensor)], axis: 1)
            return classifier.logits(model: model, inputEmbeddings: inputs)
        }
        func accuracy(_ logits: Tensor) -> Float {
            let predicted = logits.argmax(axis: 1).scalars
            return Float(zip(predicted, labels.scalars).filter { $0 == $1 }.count) / Float(batch)
        }

        let initialLoss = noGrad { classifier.loss(logits: classLogits(), labels: labels).item }
        for step in 0..<30 {
            let loss = classifier.loss(logits: classLogits(), labels: labels)
            loss.backward()
            if step == 0 {
                // Gradients reach the adapters and the projector only.
                #expect(model.namedParameters().allSatisfy { $0.parameter.isFrozen == ($0.parameter.grad == nil) })
                #expect(LoRA.adapters(in: model).allSatisfy { $0.adapter.down.weight.grad != nil })
                #expect(projector.weight.grad != nil)
            }
            optimizer.step()
            optimizer.zeroGrad()
        }
        let final = noGrad { classLogits() }
        let finalLoss = classifier.loss(logits: final, labels: labels).item
        #expect(finalLoss < 0.1 * initialLoss, "loss \(initialLoss) → \(finalLoss)")
        #expect(accuracy(final) == 1)
        #expect(model.parameterCount(trainableOnly: true) == LoRA.adapterStateDict(of: model).values.reduce(0) { $0 + $1.count })
    }
}
