import PRIMANN
import PRIMAText
import PRIMATensor

/// A metadata encoder PRIMA can align: a `Module` that maps a batch of metadata texts (the patient's
/// clinical metadata rendered as sentences) to `TextFeatures`.
///
/// `TextEncoder` (ModernBERT or BERT with its tokenizer) conforms; so can a user's own network.
public protocol MetadataEncoder: Module {
    /// The width of `TextFeatures.cls` and `TextFeatures.tokens`.
    var featureWidth: Int { get }
    /// Encodes a batch of metadata texts.
    /// - Throws: when the texts cannot be encoded (no tokenizer, too long for the model, …).
    func encodeMetadata(_ texts: [String]) throws -> TextFeatures
}

extension TextEncoder: MetadataEncoder {
    /// The hidden size.
    public var featureWidth: Int { hiddenSize }

    /// Tokenizes and encodes the texts: the CLS token as the global feature, every position as a token
    /// feature, and the word mask (padding and special tokens excluded).
    public func encodeMetadata(_ texts: [String]) throws -> TextFeatures { try encode(texts) }
}
