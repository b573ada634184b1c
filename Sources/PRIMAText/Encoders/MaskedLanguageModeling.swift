import PRIMANN
import PRIMATensor

/// BERT's masking for masked-language modelling (`transformers`' `DataCollatorForLanguageModeling`): each real,
/// non-special token is chosen with ``probability``; a chosen token is replaced by the mask token with
/// ``maskFraction``, by a random token with ``randomFraction`` and kept otherwise, and becomes a prediction target.
public struct MLMMasking: Sendable, Equatable {
    /// The share of eligible tokens chosen as targets (PRIMA: 30%).
    public var probability: Float
    /// The share of targets replaced by the mask token (80%).
    public var maskFraction: Float
    /// The share of targets replaced by a uniformly random token id (10%); the rest stay unchanged.
    public var randomFraction: Float
    /// The `[MASK]` id.
    public var maskTokenID: Int
    /// Random replacements are drawn from `0..<vocabularySize`.
    public var vocabularySize: Int
    /// Ids never chosen (special tokens: `[CLS]`, `[SEP]`, padding, …).
    public var protectedTokenIDs: Set<Int>

    /// The label of tokens that are not targets (PyTorch's `ignore_index`).
    public static let ignoredLabel: Float = -100

    /// A masking with PRIMA's 30% and BERT's 80/10/10 split by default.
    public init(maskTokenID: Int, vocabularySize: Int, protectedTokenIDs: Set<Int>, probability: Float = 0.3,
                maskFraction: Float = 0.8, randomFraction: Float = 0.1) {
        precondition(probability > 0 && probability <= 1, "masking probability \(probability) outside (0, 1]")
        precondition(maskFraction >= 0 && randomFraction >= 0 && maskFraction + randomFraction <= 1,
                     "mask/random fractions \(maskFraction)/\(randomFraction) must be non-negative and sum to at most 1")
        precondition((0..<vocabularySize).contains(maskTokenID), "mask token id \(maskTokenID) outside the vocabulary")
        self.probability = probability
        self.maskFraction = maskFraction
        self.randomFraction = randomFraction
        self.maskTokenID = maskTokenID
        self.vocabularySize = vocabularySize
        self.protectedTokenIDs = protectedTokenIDs
    }

    /// The masking for a tokenizer: its `[MASK]` id, and all its special tokens protected.
    /// - Throws: ``TextEncoderError`` when the tokenizer has no mask token.
    public init(tokenizer: Tokenizer, vocabularySize: Int, probability: Float = 0.3) throws {
        guard let mask = tokenizer.maskTokenID else {
            throw TextEncoderError(file: tokenizer.source, "has no mask token ([MASK] or <mask>) for masked-language modelling")
        }
        let special = Set((0..<tokenizer.vocabularySize).filter { tokenizer.isSpecialToken($0) })
        self.init(maskTokenID: mask, vocabularySize: vocabularySize, protectedTokenIDs: special, probability: probability)
    }

    /// A masked copy of a batch and its labels.
    /// - Parameters:
    ///   - ids: `[B, L]` token ids.
    ///   - mask: `[B, L]` attention mask; padding is never chosen.
    ///   - rng: draws the targets and their replacements.
    /// - Returns: the model inputs, the labels (the original id at targets, ``ignoredLabel`` elsewhere) and the
    ///   flat indices of the targets. When the draw chooses nothing, one eligible token is chosen at random so that
    ///   the loss is defined; a batch without eligible tokens has no targets.
    public func apply(ids: Tensor, mask: Tensor, using rng: inout RandomGenerator) -> (inputs: Tensor, labels: Tensor, targets: [Int]) {
        precondition(ids.shape == mask.shape, "ids \(ids.shape) and mask \(mask.shape) differ")
        var inputs = ids.scalars
        var labels = [Float](repeating: Self.ignoredLabel, count: inputs.count)
        let maskScalars = mask.scalars
        let eligible = inputs.indices.filter { maskScalars[$0] != 0 && !protectedTokenIDs.contains(Int(inputs[$0])) }
        var targets = eligible.filter { _ in rng.nextUniform() < probability }
        if targets.isEmpty, !eligible.isEmpty { targets = [eligible[rng.nextInt(in: 0..<eligible.count)]] }
        for i in targets {
            labels[i] = inputs[i]
            let draw = rng.nextUniform()
            if draw < maskFraction {
                inputs[i] = Float(maskTokenID)
            } else if draw < maskFraction + randomFraction {
                inputs[i] = Float(rng.nextInt(in: 0..<vocabularySize))
            }
        }
        return (Tensor(shape: ids.shape, scalars: inputs), Tensor(shape: ids.shape, scalars: labels), targets)
    }
}

extension MaskedLanguageModel {
    /// The mean cross-entropy of the predictions at `targets` (flat indices into `[B, L]`), computing logits only
    /// there (sparse prediction: the vocabulary projection is the costly part).
    public func maskedLanguageModelingLoss(inputs: Tensor, mask: Tensor, labels: Tensor, targets: [Int]) -> Tensor {
        precondition(!targets.isEmpty, "masked-language-modelling loss without targets")
        let hidden = encoder.hiddenStates(inputs, mask: mask)
        let rows = Tensor(targets.map(Float.init))
        let picked = hidden.reshaped([-1, hidden.shape[2]]).indexSelect(axis: 0, indices: rows)
        let logits = predictionLogits(picked)
        return Tensor.crossEntropy(logits: logits, targets: labels.reshaped([-1]).indexSelect(axis: 0, indices: rows))
    }
}
