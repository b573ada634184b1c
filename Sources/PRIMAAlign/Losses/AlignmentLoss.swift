import PRIMAText
import PRIMATensor

/// One batch of features in the shared space, as the alignment losses see it: two views of every sample's
/// image, the sample's metadata text, its metadata vector and its label.
///
/// The trainer fills it from the projection heads; a user's test or loss may build one by hand.
public struct AlignmentInputs: Sendable {
    /// First view of each sample: global `[N, D]`, local `[N, K, D]` (nil for an encoder without local tokens).
    public var view1: ImageFeatures
    /// Second view of each sample, same shapes as ``view1``.
    public var view2: ImageFeatures
    /// The metadata text of each sample: `TextFeatures.cls` `[N, D]` is the global feature,
    /// `TextFeatures.tokens` `[N, L, D]` the local ones, `TextFeatures.wordMask` `[N, L]` the tokens that
    /// count as words (padding and special tokens 0).
    public var text: TextFeatures
    /// The metadata vectors y `[N, M]` of the soft semantic loss (`MetadataVectorEncoder`), nil when unused.
    public var metadataVectors: Tensor?
    /// Class indices `[N]` (float), nil when unused.
    public var labels: Tensor?
    /// The temperature τ of the contrastive losses: a scalar tensor (shape `[]` or `[1]`), which carries a
    /// gradient when τ is learnable (``AlignmentTemperature``).
    public var temperature: Tensor

    /// A batch of projected features.
    public init(view1: ImageFeatures, view2: ImageFeatures, text: TextFeatures, metadataVectors: Tensor? = nil,
                labels: Tensor? = nil, temperature: Tensor) {
        self.view1 = view1
        self.view2 = view2
        self.text = text
        self.metadataVectors = metadataVectors
        self.labels = labels
        self.temperature = temperature
    }

    /// Number of samples N.
    public var batchSize: Int { view1.batchSize }

    /// Both views, in order.
    public var views: [ImageFeatures] { [view1, view2] }
}

/// A loss over one batch of aligned features; PRIMA's four (``ImageConsistencyLoss``, ``GlobalSemanticLoss``,
/// ``LocalSemanticLoss``, ``SoftSemanticLoss``) and their ablation variants conform, and so can a user's own.
///
/// A loss returns a scalar tensor that is differentiable with respect to every feature it reads (and to τ).
/// Inputs it cannot use (mismatched batch sizes or widths, missing local tokens, all-padding texts, τ ≤ 0)
/// are answered with a thrown ``AlignmentError`` naming the loss and the shapes, never a crash or a NaN.
public protocol AlignmentLoss: Sendable {
    /// The name under which the loss's value is logged (`image_consistency`).
    var name: String { get }
    /// The loss of one batch: a scalar tensor.
    func loss(_ inputs: AlignmentInputs) throws -> Tensor
}

/// An input an alignment loss cannot use.
public struct AlignmentError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The loss (or component) that refused the input.
    public let source: String
    /// What was wrong, with the shapes involved.
    public let message: String

    /// An error of `source` (a loss's name) saying `message`.
    public init(_ source: String, _ message: String) {
        self.source = source
        self.message = message
    }

    public var description: String { "\(source): \(message)" }
}
