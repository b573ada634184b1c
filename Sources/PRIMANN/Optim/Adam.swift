import Foundation
import PRIMATensor

/// Adam and AdamW, step for step as `torch.optim.Adam` / `torch.optim.AdamW` (single-tensor path):
///
/// ```
/// t ← t + 1
/// Adam:  g ← grad + weightDecay · θ          AdamW:  θ ← θ · (1 − lr · weightDecay)
/// m ← m + (1 − β1)(g − m)
/// v ← β2 · v + (1 − β2) · g²
/// θ ← θ − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)
/// ```
///
/// `eps` is added after the bias-corrected square root, as PyTorch does. Scalars such as the bias
/// corrections are computed in double precision and applied in single precision, like PyTorch's Python
/// scalars. Each parameter has its own step count `t`.
public class Adam: Optimizer {
    /// How weight decay enters the update.
    public enum WeightDecayMode: String, Sendable, Codable {
        /// L2 penalty added to the gradient (`torch.optim.Adam`).
        case l2
        /// Decoupled decay of the weights (`torch.optim.AdamW`, Loshchilov & Hutter).
        case decoupled
    }

    /// The parameters updated, with their keys.
    public let parameters: [(key: String, parameter: Parameter)]
    /// The learning rate of the next step.
    public var learningRate: Double
    /// Decay of the first moment (gradient mean).
    public let beta1: Double
    /// Decay of the second moment (squared gradients).
    public let beta2: Double
    /// Added to the bias-corrected root of the second moment.
    public let eps: Double
    /// Weight decay factor (L2 or decoupled, see ``weightDecayMode``).
    public let weightDecay: Double
    /// Whether weight decay is an L2 penalty (Adam) or decoupled (AdamW).
    public let weightDecayMode: WeightDecayMode

    private var steps: [String: Int] = [:]
    private var firstMoments: [String: Tensor] = [:]
    private var secondMoments: [String: Tensor] = [:]

    /// The name written into saved states.
    var kind: String { weightDecayMode == .decoupled ? "AdamW" : "Adam" }

    /// An optimiser over `parameters`. Defaults are PyTorch's Adam defaults.
    public init(parameters: [(key: String, parameter: Parameter)], learningRate: Double = 1e-3,
                betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
                weightDecayMode: WeightDecayMode = .l2) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = betas.0
        self.beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        self.weightDecayMode = weightDecayMode
    }

    /// Adam over the trainable parameters of `module`.
    public convenience init(_ module: Module, learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Double = 1e-8, weightDecay: Double = 0) {
        self.init(parameters: trainableNamedParameters(module), learningRate: learningRate, betas: betas, eps: eps,
                  weightDecay: weightDecay, weightDecayMode: .l2)
    }

    /// The step count of the parameter with `key` (0 before its first update).
    public func stepCount(of key: String) -> Int { steps[key] ?? 0 }

    /// Updates every trainable parameter that has a gradient.
    public func step() {
        for (key, p) in parameters where !p.isFrozen {
            guard let grad = p.grad else { continue }
            let t = (steps[key] ?? 0) + 1
            steps[key] = t
            // Taken out of the dictionaries so that the update writes them in place (no copy-on-write copy).
            var m = firstMoments.removeValue(forKey: key) ?? Tensor.zeros(p.shape)
            var v = secondMoments.removeValue(forKey: key) ?? Tensor.zeros(p.shape)
            update(p, grad: grad, m: &m, v: &v, step: t)
            firstMoments[key] = m
            secondMoments[key] = v
        }
    }

    private func update(_ p: Parameter, grad: Tensor, m: inout Tensor, v: inout Tensor, step t: Int) {
        let lr = learningRate
        let bias1 = 1 - Foundation.pow(beta1, Double(t))
        let bias2Sqrt = (1 - Foundation.pow(beta2, Double(t))).squareRoot()
        let stepSize = Float(-(lr / bias1))
        let decay = Float(1 - lr * weightDecay)
        let l2 = weightDecayMode == .l2 ? Float(weightDecay) : 0
        let decoupled = weightDecayMode == .decoupled && weightDecay != 0
        let w1 = Float(1 - beta1), b2 = Float(beta2), w2 = Float(1 - beta2)
        let c2 = Float(bias2Sqrt), e = Float(eps)
        let pg = grad.storage.pointer, n = p.count
        p.update { theta in
            m.withUnsafeMutableBuffer { m in
                v.withUnsafeMutableBuffer { v in
                    // Fused multiply-adds where PyTorch's kernels contract `a + b * c`.
                    Parallel.forEachRange(n, costPerItem: 16) { range in
                        for i in range {
                            var g = pg[i]
                            if l2 != 0 { g = g.addingProduct(l2, theta[i]) }
                            if decoupled { theta[i] = theta[i] * decay }
                            m[i] = Adam.lerp(m[i], g, w1)
                            v[i] = (v[i] * b2).addingProduct(w2 * g, g)
                            let denom = v[i].squareRoot() / c2 + e
                            theta[i] = theta[i] + (stepSize * m[i]) / denom
                        }
                    }
                }
            }
        }
    }

    /// PyTorch's `lerp`: the form depends on which end the weight is closer to.
    @inline(__always)
    static func lerp(_ a: Float, _ b: Float, _ w: Float) -> Float {
        Swift.abs(w) < 0.5 ? a.addingProduct(w, b - a) : b.addingProduct(w - 1, b - a)
    }

    /// Hyper-parameters, per-parameter step counts and both moments.
    public func stateDict() -> OptimizerState {
        var state = OptimizerState(kind: kind, scalars: [
            "lr": learningRate, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weightDecay,
        ])
        for (key, t) in steps { state.scalars[OptimizerState.key("step", key)] = Double(t) }
        for (key, m) in firstMoments { state.tensors[OptimizerState.key("exp_avg", key)] = m }
        for (key, v) in secondMoments { state.tensors[OptimizerState.key("exp_avg_sq", key)] = v }
        return state
    }

    /// Restores a state saved by ``stateDict()`` of the same kind over the same parameter keys.
    public func loadStateDict(_ state: OptimizerState) throws {
        try OptimizerStateValidation.validate(state, kind: kind, slots: ["exp_avg", "exp_avg_sq"], parameters: parameters)
        let known = Set(parameters.map(\.key))
        var steps: [String: Int] = [:]
        for (key, value) in state.scalars where key.hasPrefix("step/") {
            let parameterKey = String(key.dropFirst("step/".count))
            guard known.contains(parameterKey), value >= 1, value == value.rounded() else {
                throw OptimizerStateError(message: "bad step entry \(key) = \(value)")
            }
            guard state.tensors[OptimizerState.key("exp_avg", parameterKey)] != nil,
                  state.tensors[OptimizerState.key("exp_avg_sq", parameterKey)] != nil else {
                throw OptimizerStateError(message: "\(key) has no exp_avg / exp_avg_sq")
            }
            steps[parameterKey] = Int(value)
        }
        var first: [String: Tensor] = [:], second: [String: Tensor] = [:]
        for (key, t) in state.tensors {
            if key.hasPrefix("exp_avg_sq/") { second[String(key.dropFirst("exp_avg_sq/".count))] = t.detached() }
            else { first[String(key.dropFirst("exp_avg/".count))] = t.detached() }
        }
        guard Set(first.keys) == Set(steps.keys), Set(second.keys) == Set(steps.keys) else {
            throw OptimizerStateError(message: "moments and step counts name different parameters")
        }
        if let lr = state.scalars["lr"] { learningRate = lr }
        self.steps = steps
        self.firstMoments = first
        self.secondMoments = second
    }
}

/// AdamW: ``Adam`` with decoupled weight decay, as `torch.optim.AdamW` (default weight decay 0.01).
public final class AdamW: Adam {
    /// AdamW over `parameters`.
    public init(parameters: [(key: String, parameter: Parameter)], learningRate: Double = 1e-3,
                betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 1e-2) {
        super.init(parameters: parameters, learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay,
                   weightDecayMode: .decoupled)
    }

    /// AdamW over the trainable parameters of `module`.
    public convenience init(_ module: Module, learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Double = 1e-8, weightDecay: Double = 1e-2) {
        self.init(parameters: trainableNamedParameters(module), learningRate: learningRate, betas: betas, eps: eps,
                  weightDecay: weightDecay)
    }
}
