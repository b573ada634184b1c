import PRIMATensor

/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
/// step for step as `torch.optim.SGD`:
///
/// ```
/// g ← grad + weightDecay · θ
/// b ← g (first step) or momentum · b + (1 − dampening) · g
/// g ← g + momentum · b (Nesterov) or b
/// θ ← θ − lr · g
/// ```
public final class SGD: Optimizer {
    /// The parameters updated, with their keys.
    public let parameters: [(key: String, parameter: Parameter)]
    /// The learning rate of the next step.
    public var learningRate: Double
    /// Momentum factor (0 for plain gradient descent).
    public let momentum: Float
    /// Dampening of the gradient added to the momentum buffer.
    public let dampening: Float
    /// Whether the update uses Nesterov momentum.
    public let nesterov: Bool
    /// L2 penalty factor added to the gradient.
    public let weightDecay: Float
    /// Momentum buffers by parameter key.
    private var momentumBuffers: [String: Tensor] = [:]

    /// An optimiser over `parameters` (for example `model.namedParameters()` filtered to trainable ones).
    public init(parameters: [(key: String, parameter: Parameter)], learningRate: Double, momentum: Float = 0,
                dampening: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum needs momentum > 0 and zero dampening")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    /// An optimiser over the trainable parameters of `module`.
    public convenience init(_ module: Module, learningRate: Double, momentum: Float = 0, dampening: Float = 0,
                            nesterov: Bool = false, weightDecay: Float = 0) {
        self.init(parameters: trainableNamedParameters(module), learningRate: learningRate, momentum: momentum,
                  dampening: dampening, nesterov: nesterov, weightDecay: weightDecay)
    }

    /// Updates every trainable parameter that has a gradient.
    public func step() {
        let lr = Float(learningRate), mu = momentum, keep = Float(1 - Double(dampening)), wd = weightDecay, nesterov = nesterov
        for (key, p) in parameters where !p.isFrozen {
            guard let grad = p.grad else { continue }
            let n = p.count
            let pg = grad.storage.pointer
            let hadBuffer = momentumBuffers[key] != nil
            // Taken out of the dictionary so that the update writes it in place (no copy-on-write copy).
            var buffer = momentumBuffers.removeValue(forKey: key) ?? (mu != 0 ? Tensor(uninitializedShape: p.shape) : Tensor.zeros([0]))
            p.update { theta in
                buffer.withUnsafeMutableBuffer { b in
                    // Fused multiply-adds where PyTorch's vectorised `add(_, alpha:)` uses them.
                    Parallel.forEachRange(n, costPerItem: 8) { range in
                        for i in range {
                            var g = pg[i]
                            if wd != 0 { g = g.addingProduct(wd, theta[i]) }
                            if mu != 0 {
                                b[i] = hadBuffer ? (b[i] * mu).addingProduct(keep, g) : g
                                g = nesterov ? g.addingProduct(mu, b[i]) : b[i]
                            }
                            theta[i] = theta[i].addingProduct(-lr, g)
                        }
                    }
                }
            }
            if mu != 0 { momentumBuffers[key] = buffer }
        }
    }

    /// Hyper-parameters and the momentum buffers.
    public func stateDict() -> OptimizerState {
        var state = OptimizerState(kind: "SGD", scalars: [
            "lr": learningRate, "momentum": Double(momentum), "dampening": Double(dampening),
            "nesterov": nesterov ? 1 : 0, "weight_decay": Double(weightDecay),
        ])
        for (key, b) in momentumBuffers { state.tensors[OptimizerState.key("momentum_buffer", key)] = b }
        return state
    }

    /// Restores a state saved by ``stateDict()`` over the same parameter keys.
    public func loadStateDict(_ state: OptimizerState) throws {
        try OptimizerStateValidation.validate(state, kind: "SGD", slots: ["momentum_buffer"], parameters: parameters)
        if let lr = state.scalars["lr"] { learningRate = lr }
        momentumBuffers = [:]
        for (key, t) in state.tensors { momentumBuffers[String(key.dropFirst("momentum_buffer/".count))] = t.detached() }
    }
}
