import PRIMANN
import PRIMAText
import PRIMATensor

extension AlignmentInputs {
    /// Data-parallel training: the inputs of the whole global batch, joined in rank order from every rank's
    /// slice (`DataParallelCommunicator.allGather`, which sends the gradients back to each rank's own slice).
    /// Every rank then evaluates the same objective over the whole batch, so a contrastive loss over 2 ranks ×
    /// B/2 samples is the loss over B. Texts are padded (zero features, mask 0) to the longest text of all
    /// ranks; τ is the same parameter on every rank and is not gathered.
    /// - Throws: `CommunicatorError` when a collective fails or the ranks' feature widths differ.
    public func gathered(over communicator: any DataParallelCommunicator) throws -> AlignmentInputs {
        guard communicator.size > 1 else { return self }
        func all(_ tensor: Tensor) throws -> Tensor { try communicator.allGather(tensor) }
        func images(_ features: ImageFeatures) throws -> ImageFeatures {
            ImageFeatures(global: try all(features.global), tokens: try features.tokens.map(all), grid: features.grid)
        }
        let length = Int(try communicator.allGather(Int64(text.tokens.shape[1])).max() ?? 0)
        func padded(_ tensor: Tensor) -> Tensor {
            tensor.shape[1] == length ? tensor : tensor.padded(axis: 1, before: 0, after: length - tensor.shape[1])
        }
        let texts = TextFeatures(cls: try all(text.cls), tokens: try all(padded(text.tokens)), mask: try all(padded(text.mask)),
                                 wordMask: try all(padded(text.wordMask)))
        return AlignmentInputs(view1: try images(view1), view2: try images(view2), text: texts,
                               metadataVectors: try metadataVectors.map(all), labels: try labels.map(all), temperature: temperature)
    }
}
