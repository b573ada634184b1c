import PRIMATensor

/// How classes are weighted in the cross-entropy, against imbalance (MEL is 2% of PAD-UFES-20).
public enum ClassWeighting: String, Sendable, Codable, CaseIterable {
    /// Every class weighs 1.
    case none
    /// Weight n / (K · n_c) for a class with n_c of the n training samples (scikit-learn's `"balanced"`);
    /// classes absent from the training split weigh 0.
    case balanced
    /// The square root of the balanced weights: a milder correction.
    case sqrtBalanced = "sqrt-balanced"

    /// The weights for these training class counts.
    public func weights(classCounts: [Int]) -> [Float] {
        let total = Double(classCounts.reduce(0, +)), k = Double(classCounts.count)
        return classCounts.map { n in
            switch self {
            case .none: return 1
            case .balanced: return n == 0 ? 0 : Float(total / (k * Double(n)))
            case .sqrtBalanced: return n == 0 ? 0 : Float((total / (k * Double(n))).squareRoot())
            }
        }
    }
}

/// The optimisation settings of a classifier experiment: AdamW with a linear warm-up and cosine decay, as
/// in every stage of the paper.
public struct TrainingSettings: Sendable, Codable, Equatable {
    /// Samples per optimiser step.
    public var batchSize: Int
    /// Peak learning rate (after the warm-up).
    public var learningRate: Double
    /// AdamW's decoupled weight decay.
    public var weightDecay: Double
    /// Share of all steps spent warming up linearly from 0 (the paper: 10%).
    public var warmupRatio: Double
    /// The cross-entropy's class weights.
    public var classWeighting: ClassWeighting
    /// Clip the gradients' global norm to this value; `nil` leaves them unclipped.
    public var gradientClipNorm: Float?

    /// Defaults: batch 32, learning rate 1e-3, weight decay 1e-2, 10% warm-up, balanced classes, clip at 1.
    public init(batchSize: Int = 32, learningRate: Double = 1e-3, weightDecay: Double = 1e-2, warmupRatio: Double = 0.1,
                classWeighting: ClassWeighting = .balanced, gradientClipNorm: Float? = 1) {
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.warmupRatio = warmupRatio
        self.classWeighting = classWeighting
        self.gradientClipNorm = gradientClipNorm
    }

    /// The settings as text for a run's fingerprint.
    public var fingerprint: [String: String] {
        ["train.batch_size": String(batchSize), "train.learning_rate": String(learningRate),
         "train.weight_decay": String(weightDecay), "train.warmup_ratio": String(warmupRatio),
         "train.class_weighting": classWeighting.rawValue, "train.gradient_clip_norm": gradientClipNorm.map { String($0) } ?? "none"]
    }

    /// Checks every value's range.
    /// - Throws: ``ExperimentError`` `.invalidOption` naming the setting.
    public func validate() throws {
        guard batchSize >= 1 else { throw ExperimentError(.invalidOption, "the batch size must be at least 1, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else {
            throw ExperimentError(.invalidOption, "the learning rate must be a positive number, got \(learningRate)")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw ExperimentError(.invalidOption, "the weight decay must be ≥ 0, got \(weightDecay)")
        }
        guard learningRate * weightDecay < 1 else {
            throw ExperimentError(.invalidOption, "the learning rate × the weight decay must be below 1 (each step scales the weights by 1 − their product), got \(learningRate) × \(weightDecay)")
        }
        guard (0..<1).contains(warmupRatio) else { throw ExperimentError(.invalidOption, "the warm-up ratio must be in [0, 1), got \(warmupRatio)") }
        if let clip = gradientClipNorm, !(clip > 0) {
            throw ExperimentError(.invalidOption, "the gradient clipping norm must be positive, got \(clip)")
        }
    }
}
