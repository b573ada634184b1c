import PRIMAAlign

/// Which feature of an encoder is the global one (`p^cls`, `q^cls`) that the global, soft and retrieval
/// comparisons read.
public enum FeaturePooling: String, Sendable, Codable, CaseIterable {
    /// The CLS token's final hidden state, as the paper does.
    case cls
    /// **[ours]** The mean of the local tokens' final hidden states (the image's patches; the text's words,
    /// padding and special tokens excluded). For encoders with random weights, whose CLS is nearly the same
    /// for every input (attention is nearly uniform at initialisation, so the CLS position sees little of the
    /// input): measured on the built-in small BERT, the CLS varies across metadata texts by about 3e-6 of its
    /// mean square.
    case mean
}

/// The settings of PRIMA's stage 2 as the harness runs it: alignment pre-training, then supervised
/// refinement, each on a fold's training split.
///
/// ``paper`` holds the paper's values (AdamW lr 3e-5, weight decay 1e-3, 150 epochs, 10% warm-up, losses
/// 0.2/0.3/0.2/0.3); ``smallEncoders`` is **[ours]**, for the built-in small encoders with random weights,
/// which have no pretrained features to adapt gently and must learn in a few epochs.
public struct AlignmentSettings: Sendable, Equatable {
    /// Alignment epochs.
    public var epochs: Int
    /// Samples per alignment step (the contrastive losses' batch: N − 1 negatives per sample).
    public var batchSize: Int
    /// Peak learning rate of the alignment (AdamW, linear warm-up then cosine decay).
    public var learningRate: Double
    /// AdamW's weight decay.
    public var weightDecay: Double
    /// Share of the alignment steps spent warming up.
    public var warmupRatio: Double
    /// β1…β4 of `L_align`.
    public var lossWeights: PRIMALossWeights
    /// τ of the contrastive losses.
    public var temperature: Float
    /// Whether τ is trained.
    public var learnableTemperature: Bool
    /// The image's global feature.
    public var imagePooling: FeaturePooling
    /// The text's global feature.
    public var textPooling: FeaturePooling
    /// **[ours]** Centre and scale each dimension of the encoders' outputs with statistics of the training
    /// split before the projection heads (see the documentation of the experiment): needed by encoders with
    /// random weights, whose features barely differ between inputs.
    public var standardizesFeatures: Bool
    /// Width of the shared space the projection heads map into.
    public var projectionWidth: Int
    /// Clip the gradients' global norm to this value; nil leaves them unclipped.
    public var gradientClipNorm: Float?
    /// Epochs of the supervised refinement (image encoder + classification head, cross-entropy); 0 skips it.
    public var supervisedEpochs: Int
    /// Peak learning rate of the supervised refinement.
    public var supervisedLearningRate: Double

    /// Settings from their values; every default is the paper's.
    public init(epochs: Int = 150, batchSize: Int = 32, learningRate: Double = 3e-5, weightDecay: Double = 1e-3,
                warmupRatio: Double = 0.1, lossWeights: PRIMALossWeights = .paper, temperature: Float = 0.07,
                learnableTemperature: Bool = false, imagePooling: FeaturePooling = .cls, textPooling: FeaturePooling = .cls, standardizesFeatures: Bool = false,
                projectionWidth: Int = 256, gradientClipNorm: Float? = 1,
                supervisedEpochs: Int = 10, supervisedLearningRate: Double = 3e-5) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.warmupRatio = warmupRatio
        self.lossWeights = lossWeights
        self.temperature = temperature
        self.learnableTemperature = learnableTemperature
        self.imagePooling = imagePooling
        self.textPooling = textPooling
        self.standardizesFeatures = standardizesFeatures
        self.projectionWidth = projectionWidth
        self.gradientClipNorm = gradientClipNorm
        self.supervisedEpochs = supervisedEpochs
        self.supervisedLearningRate = supervisedLearningRate
    }

    /// The paper's settings (its supervised step's length is not given: 10 epochs is **[ours]**).
    public static let paper = AlignmentSettings()

    /// **[ours]** For the built-in small random encoders: 15 alignment epochs at 3e-3 (sized so that the default run
    /// with PRIMA stays within about 10 minutes on 2 cores), the mean patch and word
    /// features as the global ones (``FeaturePooling/mean``), standardised encoder outputs
    /// (``standardizesFeatures``), a 64-wide shared space, 3 supervised
    /// epochs at 1e-3.
    public static let smallEncoders = AlignmentSettings(epochs: 15, learningRate: 3e-3, weightDecay: 1e-2, imagePooling: .mean, textPooling: .mean, standardizesFeatures: true,
                                                        projectionWidth: 64,
                                                        supervisedEpochs: 3, supervisedLearningRate: 1e-3)

    /// The objective these settings give: PRIMA's four losses with ``lossWeights``.
    public var objective: AlignmentObjective { .prima(weights: lossWeights) }

    /// The settings as text for a run's fingerprint.
    public var fingerprint: [String: String] {
        ["epochs": String(epochs), "batch_size": String(batchSize), "learning_rate": String(learningRate),
         "weight_decay": String(weightDecay), "warmup_ratio": String(warmupRatio),
         "loss_weights": [lossWeights.imageConsistency, lossWeights.globalSemantic, lossWeights.localSemantic,
                          lossWeights.softSemantic].map { String($0) }.joined(separator: ","),
         "temperature": String(temperature), "learnable_temperature": String(learnableTemperature),
         "image_pooling": imagePooling.rawValue, "text_pooling": textPooling.rawValue, "standardizes_features": String(standardizesFeatures),
         "projection_width": String(projectionWidth), "gradient_clip_norm": gradientClipNorm.map { String($0) } ?? "none",
         "supervised_epochs": String(supervisedEpochs), "supervised_learning_rate": String(supervisedLearningRate)]
    }

    /// Checks every value's range.
    /// - Throws: ``ExperimentError`` `.invalidOption` naming the setting.
    public func validate() throws {
        func bad(_ message: String) -> ExperimentError { ExperimentError(.invalidOption, "alignment: " + message) }
        guard epochs >= 1 else { throw bad("need at least 1 epoch, got \(epochs)") }
        guard batchSize >= 2 else { throw bad("the batch size must be at least 2 (contrastive losses need negatives), got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else { throw bad("the learning rate must be positive, got \(learningRate)") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw bad("the weight decay must be ≥ 0, got \(weightDecay)") }
        guard (0..<1).contains(warmupRatio) else { throw bad("the warm-up ratio must be in [0, 1), got \(warmupRatio)") }
        let weights = [lossWeights.imageConsistency, lossWeights.globalSemantic, lossWeights.localSemantic, lossWeights.softSemantic]
        guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), weights.contains(where: { $0 > 0 }) else {
            throw bad("the loss weights must be ≥ 0 with at least one positive, got \(weights)")
        }
        guard temperature > 0, temperature.isFinite else { throw bad("τ must be positive, got \(temperature)") }
        guard projectionWidth >= 1 else { throw bad("the projection width must be at least 1, got \(projectionWidth)") }
        if let clip = gradientClipNorm, !(clip > 0) { throw bad("the gradient clipping norm must be positive, got \(clip)") }
        guard supervisedEpochs >= 0 else { throw bad("the supervised epochs must be ≥ 0, got \(supervisedEpochs)") }
        guard supervisedLearningRate > 0, supervisedLearningRate.isFinite else {
            throw bad("the supervised learning rate must be positive, got \(supervisedLearningRate)")
        }
    }
}
