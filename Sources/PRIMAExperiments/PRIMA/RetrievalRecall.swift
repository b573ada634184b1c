import PRIMATensor

/// Cross-modal retrieval among N paired samples: for each image, is its own text among the k most similar
/// texts (image → text), and the reverse (text → image). Chance level of recall@k is k / N.
public enum RetrievalRecall {
    /// Metric names, as written into ``StageRecord/heldOutBefore`` and ``StageRecord/heldOutAfter``.
    public static let imageToText1 = "image_to_text_recall@1", imageToText5 = "image_to_text_recall@5"
    /// Metric names of the text → image direction.
    public static let textToImage1 = "text_to_image_recall@1", textToImage5 = "text_to_image_recall@5"
    /// The number of candidates N (chance recall@1 is 1 / N).
    public static let candidates = "retrieval_candidates"

    /// Recall@1 and @5 in both directions of paired embeddings `images` and `texts` `[N, D]` (row i of each
    /// belongs to sample i), by cosine similarity. A pair counts as found at k when fewer than k other
    /// candidates score strictly higher (ties count in its favour).
    public static func metrics(images: Tensor, texts: Tensor) -> [String: Double] {
        precondition(images.rank == 2 && images.shape == texts.shape, "paired embeddings of shapes \(images.shape) and \(texts.shape)")
        let n = images.shape[0]
        let similarity = noGrad { normalized(images).matmul(normalized(texts).transposed()) }.scalars
        func recall(_ k: Int, _ score: (Int, Int) -> Float) -> Double {
            var found = 0
            for i in 0..<n {
                let own = score(i, i)
                var higher = 0
                for j in 0..<n where j != i && score(i, j) > own { higher += 1 }
                if higher < k { found += 1 }
            }
            return Double(found) / Double(max(1, n))
        }
        let imageToText: (Int, Int) -> Float = { i, j in similarity[i * n + j] }
        let textToImage: (Int, Int) -> Float = { i, j in similarity[j * n + i] }
        return [imageToText1: recall(1, imageToText), imageToText5: recall(5, imageToText),
                textToImage1: recall(1, textToImage), textToImage5: recall(5, textToImage), candidates: Double(n)]
    }

    private static func normalized(_ x: Tensor) -> Tensor {
        x / ((x * x).sum(axis: -1, keepDims: true) + 1e-12).sqrt()
    }
}
