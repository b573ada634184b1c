/// One named loss value (a term of the objective, or the total).
public struct LossTermValue: Sendable, Codable, Equatable {
    /// The term's name (``AlignmentLoss/name``, `total`, `cross_entropy`).
    public var name: String
    /// Its value.
    public var value: Double

    /// A named value.
    public init(name: String, value: Double) {
        self.name = name
        self.value = value
    }
}

/// What one optimiser step of a stage-2 trainer did.
public struct TrainingStepRecord: Sendable, Codable, Equatable {
    /// Epoch (0-based).
    public var epoch: Int
    /// Step within the epoch (0-based).
    public var step: Int
    /// Steps taken since the start of the run, this one included.
    public var globalStep: Int
    /// The learning rate this step used.
    public var learningRate: Double
    /// The weighted total.
    public var total: Double
    /// Each term's unweighted value, in the objective's order.
    public var terms: [LossTermValue]
    /// Global gradient norm before clipping.
    public var gradientNorm: Double

    /// A record from its parts.
    public init(epoch: Int, step: Int, globalStep: Int, learningRate: Double, total: Double, terms: [LossTermValue], gradientNorm: Double) {
        self.epoch = epoch
        self.step = step
        self.globalStep = globalStep
        self.learningRate = learningRate
        self.total = total
        self.terms = terms
        self.gradientNorm = gradientNorm
    }
}

/// The means of one epoch's steps.
public struct TrainingEpochSummary: Sendable, Codable, Equatable {
    /// Epoch (0-based).
    public var epoch: Int
    /// Steps in the epoch.
    public var steps: Int
    /// Mean weighted total.
    public var meanTotal: Double
    /// Mean of each term, in the objective's order.
    public var meanTerms: [LossTermValue]

    /// A summary from its parts.
    public init(epoch: Int, steps: Int, meanTotal: Double, meanTerms: [LossTermValue]) {
        self.epoch = epoch
        self.steps = steps
        self.meanTotal = meanTotal
        self.meanTerms = meanTerms
    }

    /// The mean of the term called `name`, nil if there is none.
    public func mean(of name: String) -> Double? { meanTerms.first { $0.name == name }?.value }

    /// The means of `records` (all of one epoch, same term names).
    static func summarizing(_ records: [TrainingStepRecord], epoch: Int) -> TrainingEpochSummary {
        let n = Double(max(1, records.count))
        let names = records.first?.terms.map(\.name) ?? []
        let means = names.enumerated().map { i, name in
            LossTermValue(name: name, value: records.reduce(0) { $0 + $1.terms[i].value } / n)
        }
        return TrainingEpochSummary(epoch: epoch, steps: records.count, meanTotal: records.reduce(0) { $0 + $1.total } / n, meanTerms: means)
    }
}
