import PRIMATensor

/// A gradient-descent optimiser over named parameters.
///
/// Optimisers keep their per-parameter state (momentum buffers, moments, step counts) under the
/// parameter keys, so their state can be saved into a checkpoint and loaded into a fresh optimiser built
/// over a fresh model with the same keys.
public protocol Optimizer: AnyObject {
    /// The parameters updated by ``step()``, with their keys.
    var parameters: [(key: String, parameter: Parameter)] { get }
    /// The learning rate used by the next ``step()`` (schedules set it).
    var learningRate: Double { get set }
    /// Updates every parameter that has a gradient. Parameters without a gradient are skipped (their
    /// state does not advance), as in PyTorch.
    func step()
    /// The optimiser's state: hyper-parameters as scalars, buffers as tensors.
    func stateDict() -> OptimizerState
    /// Restores a state saved by ``stateDict()``.
    /// - Throws: ``OptimizerStateError`` when the state belongs to another optimiser or other parameters.
    func loadStateDict(_ state: OptimizerState) throws
}

extension Optimizer {
    /// Forgets the gradients of all parameters (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() { for (_, p) in parameters { p.zeroGrad() } }
}

/// A saved optimiser state: the kind of optimiser, scalar values (hyper-parameters and per-parameter
/// step counts) and tensors (per-parameter buffers), keyed `<slot>/<parameter key>` for per-parameter
/// entries (`exp_avg/layers.0.weight`, `step/layers.0.weight`).
public struct OptimizerState: Sendable, Equatable {
    /// The optimiser's type name (`SGD`, `Adam`, `AdamW`).
    public var kind: String
    /// Hyper-parameters and counters.
    public var scalars: [String: Double]
    /// Per-parameter buffers.
    public var tensors: [String: Tensor]

    /// A state from its parts.
    public init(kind: String, scalars: [String: Double] = [:], tensors: [String: Tensor] = [:]) {
        self.kind = kind
        self.scalars = scalars
        self.tensors = tensors
    }

    /// Equal kinds, scalars, and tensors with equal shapes and values.
    public static func == (a: OptimizerState, b: OptimizerState) -> Bool {
        a.kind == b.kind && a.scalars == b.scalars && a.tensors.keys == b.tensors.keys
            && a.tensors.allSatisfy { key, t in b.tensors[key].map { $0.shape == t.shape && $0.scalars == t.scalars } ?? false }
    }

    /// The key of a per-parameter entry.
    public static func key(_ slot: String, _ parameterKey: String) -> String { slot + "/" + parameterKey }
}

/// A saved optimiser state that does not fit the optimiser it is loaded into.
public struct OptimizerStateError: Error, Equatable, CustomStringConvertible {
    /// What does not fit.
    public let message: String
    /// The message, prefixed.
    public var description: String { "optimizer state: \(message)" }
}

/// Validation shared by the optimisers' ``Optimizer/loadStateDict(_:)``.
enum OptimizerStateValidation {
    /// Checks a loaded state's kind and that every tensor names a known slot and parameter with its shape.
    static func validate(_ state: OptimizerState, kind: String, slots: Set<String>,
                         parameters: [(key: String, parameter: Parameter)]) throws {
        guard state.kind == kind else {
            throw OptimizerStateError(message: "saved by \(state.kind), loading into \(kind)")
        }
        let shapes = Dictionary(parameters.map { ($0.key, $0.parameter.shape) }, uniquingKeysWith: { a, _ in a })
        var problems: [String] = []
        for (key, t) in state.tensors.sorted(by: { $0.key < $1.key }) {
            guard let slash = key.firstIndex(of: "/"), slots.contains(String(key[..<slash])) else {
                problems.append("unknown entry \(key)"); continue
            }
            let parameterKey = String(key[key.index(after: slash)...])
            guard let shape = shapes[parameterKey] else { problems.append("\(key) names no parameter of this optimizer"); continue }
            if shape != t.shape { problems.append("\(key) has shape \(t.shape), parameter has \(shape)") }
        }
        if !problems.isEmpty { throw OptimizerStateError(message: problems.joined(separator: "; ")) }
    }
}

/// The named, unfrozen parameters of `module`: what an optimiser built from a module trains.
func trainableNamedParameters(_ module: Module) -> [(key: String, parameter: Parameter)] {
    module.namedParameters().filter { !$0.parameter.isFrozen }
}
