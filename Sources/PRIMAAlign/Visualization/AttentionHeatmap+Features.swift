import PRIMAData
import PRIMATensor
import PRIMAText

extension AttentionHeatmap {
    /// The figure of one sample's word → patch attention as the local semantic loss computes it
    /// (``LocalSemanticLoss/wordToPatchAttention(text:image:)``): one panel per word of its text.
    /// - Parameters:
    ///   - photo: the photo to draw under the heat (any size; scaled to the panels).
    ///   - text: the sample's text features in the shared space (batch of one).
    ///   - image: the sample's image features in the shared space (batch of one, with patch tokens and grid).
    ///   - tokens: the text's token strings, one per position of `text`.
    /// - Throws: ``AlignmentError`` when the features are not of one sample, have no patch grid, or the tokens
    ///   do not match the text's positions.
    public func render(photo: RGBImage, text: TextFeatures, image: ImageFeatures, tokens: [String]) throws -> RGBImage {
        guard text.batchSize == 1, image.batchSize == 1, let grid = image.grid else {
            throw AlignmentError("attention heatmap", "needs the features of one sample with a patch grid (text batch \(text.batchSize), image batch \(image.batchSize))")
        }
        let alpha = try noGrad { try LocalSemanticLoss.wordToPatchAttention(text: text, image: image) }
        let length = text.wordMask.count
        guard tokens.count == length else {
            throw AlignmentError("attention heatmap", "\(tokens.count) tokens for a text of \(length) positions")
        }
        let panels = try Self.wordPanels(attention: alpha.reshaped([length, grid.count]), tokens: tokens,
                                         wordMask: text.wordMask.scalars.map { $0 > 0 })
        return try render(photo: photo, grid: grid, panels: panels)
    }
}
