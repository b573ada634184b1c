import PRIMATensor

/// A weighted sum of named alignment losses: PRIMA's `L_align = β1 L_img + β2 L_glo + β3 L_loc + β4 L_soft`,
/// or any other combination, a user's own losses included. Each term's value is reported by name so that a
/// trainer can log the parts as well as the total.
public struct AlignmentObjective: Sendable {
    /// One weighted loss.
    public struct Term: Sendable {
        /// The factor β on the loss.
        public var weight: Float
        /// The loss.
        public var loss: any AlignmentLoss

        /// `weight × loss`.
        public init(weight: Float, loss: any AlignmentLoss) {
            self.weight = weight
            self.loss = loss
        }
    }

    /// The value of the objective on one batch.
    public struct Value {
        /// The weighted sum, a scalar tensor to call `backward()` on.
        public let total: Tensor
        /// Each term's unweighted value, in the order of ``AlignmentObjective/terms``.
        public let terms: [(name: String, value: Double)]
    }

    /// The terms, in order; names must be distinct.
    public var terms: [Term]

    /// An objective of `terms`.
    /// - Precondition: the terms' names are distinct (they key the logs).
    public init(_ terms: [Term]) {
        precondition(Set(terms.map(\.loss.name)).count == terms.count, "alignment loss names must be distinct: \(terms.map(\.loss.name))")
        self.terms = terms
    }

    /// The names of the terms, in order.
    public var names: [String] { terms.map(\.loss.name) }

    /// Evaluates every term on `inputs` and sums them with their weights.
    /// - Throws: ``AlignmentError`` from the first term that cannot use the inputs, or when there is no term.
    public func evaluate(_ inputs: AlignmentInputs) throws -> Value {
        guard !terms.isEmpty else { throw AlignmentError("alignment objective", "has no loss terms") }
        var total: Tensor? = nil
        var parts: [(name: String, value: Double)] = []
        for term in terms {
            let value = try term.loss.loss(inputs)
            guard value.count == 1 else {
                throw AlignmentError(term.loss.name, "returned a tensor of shape \(value.shape); a loss must be a scalar")
            }
            parts.append((term.loss.name, Double(value.item)))
            let weighted = value.reshaped([]) * term.weight
            total = total.map { $0 + weighted } ?? weighted
        }
        return Value(total: total!, terms: parts)
    }
}
