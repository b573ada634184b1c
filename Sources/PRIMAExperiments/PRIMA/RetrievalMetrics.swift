import PRIMAAlign
import PRIMATensor

/// The names under which an alignment stage reports cross-modal retrieval (`RetrievalRecall`, from
/// PRIMAAlign) on a fold's held-out samples, in ``StageRecord/heldOutBefore`` and ``StageRecord/heldOutAfter``.
/// Chance level of recall@k is k / N, N being ``candidates``.
public enum RetrievalMetrics {
    /// Image → text recall@1 and @5.
    public static let imageToText1 = "image_to_text_recall@1", imageToText5 = "image_to_text_recall@5"
    /// Text → image recall@1 and @5.
    public static let textToImage1 = "text_to_image_recall@1", textToImage5 = "text_to_image_recall@5"
    /// The number of samples ranked.
    public static let candidates = "retrieval_candidates"

    /// The metrics of paired embeddings `images` and `texts` `[N, D]` (row i of each belongs to sample i).
    /// - Throws: `AlignmentError` for embeddings that do not pair.
    public static func metrics(images: Tensor, texts: Tensor) throws -> [String: Double] {
        let recall = try RetrievalRecall(images: images, texts: texts, ks: [1, 5])
        return [imageToText1: recall.imageToText(at: 1)!, imageToText5: recall.imageToText(at: 5)!,
                textToImage1: recall.textToImage(at: 1)!, textToImage5: recall.textToImage(at: 5)!,
                candidates: Double(recall.sampleCount)]
    }
}
