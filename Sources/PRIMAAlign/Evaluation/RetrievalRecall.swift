import PRIMAData
import PRIMATensor

/// Cross-modal retrieval of a set of samples, the usual check that an alignment works: for each image, is its
/// own text among the `k` texts most similar to it (image→text), and for each text, is its own image among the
/// `k` most similar images (text→image)? Similarity is the cosine of the projected global features.
///
/// A tie with the true match counts against it (the match must be strictly more similar than all but at most
/// `k − 1` others), so identical embeddings do not score.
public struct RetrievalRecall: Sendable, Codable, Equatable {
    /// The cut-offs, ascending.
    public let ks: [Int]
    /// Recall@k image→text, in the order of ``ks``.
    public let imageToText: [Double]
    /// Recall@k text→image, in the order of ``ks``.
    public let textToImage: [Double]
    /// Samples ranked.
    public let sampleCount: Int

    /// Recall of paired embeddings: row i of `images` `[N, D]` belongs with row i of `texts` `[N, D]`.
    /// - Throws: ``AlignmentError`` for shapes that do not pair, no sample, or a cut-off below 1.
    public init(images: Tensor, texts: Tensor, ks: [Int] = [1, 5]) throws {
        guard images.rank == 2, images.shape == texts.shape, images.shape[0] > 0 else {
            throw AlignmentError("retrieval recall", "image embeddings \(images.shape) and text embeddings \(texts.shape) must both be [N, D] with N > 0")
        }
        guard !ks.isEmpty, ks.allSatisfy({ $0 >= 1 }) else { throw AlignmentError("retrieval recall", "cut-offs must be at least 1, got \(ks)") }
        let n = images.shape[0]
        let similarity = noGrad { Tensor.matmul(images.detached().l2Normalized(axis: 1), texts.detached().l2Normalized(axis: 1), transposeB: true) }
        let s = similarity.scalars
        // Rank of the true match = how many candidates are at least as similar, the match excluded.
        var imageRanks = [Int](repeating: 0, count: n), textRanks = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let own = s[i * n + i]
            for j in 0..<n where j != i {
                if s[i * n + j] >= own { imageRanks[i] += 1 }
                if s[j * n + i] >= own { textRanks[i] += 1 }
            }
        }
        let sorted = ks.sorted()
        self.ks = sorted
        imageToText = sorted.map { k in Double(imageRanks.filter { $0 < k }.count) / Double(n) }
        textToImage = sorted.map { k in Double(textRanks.filter { $0 < k }.count) / Double(n) }
        sampleCount = n
    }

    /// Recall of `model` over every batch of `loader`'s `epoch` (view 1 of each sample against its text), in
    /// evaluation mode without gradients; the model's training mode is restored afterwards.
    public static func evaluate(_ model: AlignmentModel, loader: TwoViewLoader, epoch: Int = 0, ks: [Int] = [1, 5]) throws -> RetrievalRecall {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var images: [Tensor] = [], texts: [Tensor] = []
        var batches = loader.epoch(epoch)
        while let batch = try batches.next() {
            try noGrad {
                images.append(try model.projectImages(batch.view1).global)
                texts.append(try model.projectTexts(batch.texts).cls)
            }
        }
        guard !images.isEmpty else { throw AlignmentError("retrieval recall", "the loader has no batch") }
        return try RetrievalRecall(images: Tensor.concat(images, axis: 0), texts: Tensor.concat(texts, axis: 0), ks: ks)
    }

    /// Recall@`k` image→text, nil when `k` is not one of ``ks``.
    public func imageToText(at k: Int) -> Double? { ks.firstIndex(of: k).map { imageToText[$0] } }
    /// Recall@`k` text→image, nil when `k` is not one of ``ks``.
    public func textToImage(at k: Int) -> Double? { ks.firstIndex(of: k).map { textToImage[$0] } }
}
