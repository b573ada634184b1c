import PRIMAText
import PRIMATensor

/// The input checks shared by PRIMA's losses. Every failure is an ``AlignmentError`` from the loss being
/// evaluated, naming the tensors and their shapes, so that a bad batch never reaches the arithmetic (where it
/// would crash on a shape precondition or quietly produce a NaN).
struct LossInputCheck {
    /// The name of the loss the errors come from.
    let loss: String

    func failure(_ message: String) -> AlignmentError { AlignmentError(loss, message) }

    /// τ as a shape-`[]` tensor (still carrying its gradient) after checking that it is one finite, positive number.
    func temperature(_ tau: Tensor) throws -> Tensor {
        guard tau.count == 1, tau.rank <= 1 else {
            throw failure("the temperature must be a scalar tensor (shape [] or [1]), got shape \(tau.shape)")
        }
        let value = tau.item
        guard value.isFinite, value > 0 else { throw failure("the temperature must be positive and finite, got \(value)") }
        return tau.reshaped([])
    }

    /// A factor of the loss's own configuration (a label temperature, a label weight): finite and positive.
    func positiveOption(_ value: Float, _ what: String) throws {
        guard value.isFinite, value > 0 else { throw failure("\(what) must be positive and finite, got \(value)") }
    }

    /// Checks the global features `[N, D]` of both views, and of the text when `withText`: same N and D,
    /// at least `minimumBatch` samples, finite values. Returns N.
    @discardableResult
    func globalFeatures(_ inputs: AlignmentInputs, withText: Bool, minimumBatch: Int) throws -> Int {
        let first = inputs.view1.global.shape
        guard first.count == 2, first[0] > 0, first[1] > 0 else {
            throw failure("view 1 global features must have shape [N, D] with N, D > 0, got \(first)")
        }
        var named = [("view 2 global features", inputs.view2.global)]
        if withText { named.append(("text CLS features", inputs.text.cls)) }
        for (what, tensor) in named where tensor.shape != first {
            throw failure("\(what) have shape \(tensor.shape), view 1 global features \(first): every [N, D] must agree")
        }
        guard first[0] >= minimumBatch else {
            throw failure("needs at least \(minimumBatch) samples to contrast across the batch, got a batch of \(first[0]) (global features \(first))")
        }
        try finite(inputs.view1.global, "view 1 global features")
        for (what, tensor) in named { try finite(tensor, what) }
        return first[0]
    }

    /// The local features of the local semantic loss after checking them: word tokens `[N, L, D]`, the word
    /// mask `[N, L]` (0/1, at least one word per sample) and each view's patch tokens `[N, K, D]`.
    func localFeatures(_ inputs: AlignmentInputs) throws -> (words: Tensor, wordMask: Tensor, patches: [Tensor]) {
        let words = try wordTokens(inputs.text)
        var patches: [Tensor] = []
        for (index, view) in inputs.views.enumerated() {
            patches.append(try patchTokens(view, viewName: "view \(index + 1)", matching: words.tokens))
        }
        return (words.tokens, words.mask, patches)
    }

    /// The text's word tokens `[N, L, D]` and word mask `[N, L]`, checked.
    func wordTokens(_ text: TextFeatures) throws -> (tokens: Tensor, mask: Tensor) {
        let tokens = text.tokens, mask = text.wordMask
        guard tokens.rank == 3, tokens.shape.allSatisfy({ $0 > 0 }) else {
            throw failure("text token features must have shape [N, L, D] with every size > 0, got \(tokens.shape)")
        }
        guard mask.shape == Array(tokens.shape.prefix(2)) else {
            throw failure("the word mask has shape \(mask.shape), the text tokens \(tokens.shape): the mask must be [N, L]")
        }
        let length = tokens.shape[1]
        try mask.withUnsafeBuffer { m in
            for sample in 0..<tokens.shape[0] {
                var words = 0
                for position in 0..<length {
                    let v = m[sample * length + position]
                    guard v == 0 || v == 1 else {
                        throw failure("the word mask must be 0 or 1, got \(v) at sample \(sample), position \(position) (mask \(mask.shape))")
                    }
                    words += Int(v)
                }
                guard words > 0 else {
                    throw failure("sample \(sample) has no word token (its word mask is all zero: an all-padding text; mask \(mask.shape))")
                }
            }
        }
        try finite(tokens, "text token features")
        return (tokens, mask)
    }

    /// A view's patch tokens `[N, K, D]`, present and with the batch size and width of the text's `words` `[N, L, D]`.
    func patchTokens(_ view: ImageFeatures, viewName: String, matching words: Tensor) throws -> Tensor {
        guard let tokens = view.tokens else {
            throw failure("\(viewName) has no local (patch) tokens: the image encoder must give ImageFeatures.tokens [N, K, D]")
        }
        guard tokens.rank == 3, tokens.shape[1] > 0, tokens.shape[0] == words.shape[0], tokens.shape[2] == words.shape[2] else {
            throw failure("\(viewName) patch tokens have shape \(tokens.shape), the text tokens \(words.shape): need [N, K, D] with the text's N and D and K > 0")
        }
        try finite(tokens, "\(viewName) patch tokens")
        return tokens
    }

    /// Throws when `tensor` holds a NaN or an infinity (which would make the loss NaN).
    func finite(_ tensor: Tensor, _ what: String) throws {
        let bad = tensor.withUnsafeBuffer { buffer -> Int? in
            for i in buffer.indices where !buffer[i].isFinite { return i }
            return nil
        }
        if let bad { throw failure("\(what) (shape \(tensor.shape)) hold a non-finite value at flat index \(bad)") }
    }
}
