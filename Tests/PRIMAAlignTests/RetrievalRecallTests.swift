import Foundation
import PRIMAAlign
import PRIMANN
import PRIMATensor
import Testing

@Suite struct RetrievalRecallTests {
    @Test func recallCountsRanksWithTiesAgainstTheMatch() throws {
        // Image 0 matches text 0; image 1 is closer to text 0 than to its own; image 2 ties between texts 1 and 2.
        let images = Tensor(shape: [3, 2], scalars: [1, 0, 1, 0.1, 0, 1])
        let texts = Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, 0, 1])
        let recall = try RetrievalRecall(images: images, texts: texts, ks: [2, 1])
        #expect(recall.ks == [1, 2])
        // Image→text: 0 rank 0; 1: text0 (cos .995) beats its own text1 (.0995) and text2 ties with it → rank 2;
        // 2: tie with text 1 → rank 1.
        #expect(recall.imageToText == [Double(1) / 3, Double(2) / 3] as [Double])
        // Text→image: text0 ← image0 best (1 vs .995); text1 ← image2 (1) beats image1 → rank 1; text2 ← image2 1, rank 0.
        #expect(recall.textToImage == [Double(2) / 3, 1] as [Double])
        #expect(recall.imageToText(at: 2) == Double(2) / 3)
        #expect(recall.textToImage(at: 5) == nil)
        #expect(throws: AlignmentError.self) { try RetrievalRecall(images: images, texts: Tensor.zeros([2, 2])) }
        #expect(throws: AlignmentError.self) { try RetrievalRecall(images: images, texts: texts, ks: [0]) }
    }

    @Test func trainingRaisesRecallOnATinySyntheticSet() throws {
        let samples = AlignFixtures.samples(count: 16)
        let model = try AlignFixtures.model(samples: samples, image: .full)
        let evaluation = AlignFixtures.loader(samples, batchSize: 8, shuffle: false)
        let before = try RetrievalRecall.evaluate(model, loader: evaluation)
        let trainer = try AlignmentTrainer(model: model, objective: AlignmentObjective([.init(weight: 1, loss: TestContrastiveLoss())]),
                                           loader: AlignFixtures.loader(samples, batchSize: 8),
                                           configuration: .init(epochs: 40, optimization: .init(learningRate: 1e-2, warmupRatio: 0.1)))
        try trainer.train()
        let after = try RetrievalRecall.evaluate(model, loader: evaluation)
        let (b1, a1) = (before.imageToText(at: 1)! + before.textToImage(at: 1)!, after.imageToText(at: 1)! + after.textToImage(at: 1)!)
        #expect(after.sampleCount == 16)
        #expect(a1 > b1 + 0.25, "recall@1 (both directions summed) \(b1) → \(a1)")
        #expect(after.imageToText(at: 5)! >= before.imageToText(at: 5)!)
    }
}
