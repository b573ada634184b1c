import PRIMATensor

/// Base class of every neural-network component: a node of a tree whose leaves are ``Parameter``s.
///
/// Subclasses declare their parameters and children as stored properties; the tree is discovered by
/// reflection, in declaration order (superclass properties first). A property's key is its Swift name
/// or the key given with ``Key``; joined with dots, keys form the parameter paths, which are the
/// Hugging Face checkpoint keys (`layers.0.self_attn.q_proj.weight`). Recognised properties:
///
/// - ``Parameter`` and `Parameter?` (a `nil` optional contributes nothing);
/// - any ``Module`` subclass, optional or not;
/// - arrays of modules or parameters, keyed `name.0`, `name.1`, … (like `torch.nn.ModuleList`).
///
/// Anything else (configuration, plain tensors, closures) is ignored. A parameter or module reachable
/// along two paths (tied weights) is listed once, under its first path, as PyTorch does.
///
/// Modules are reference types and not `Sendable`: do not share one between concurrent tasks.
open class Module {
    /// Training mode (dropout active) when true, evaluation mode when false. Set with ``train(_:)`` /
    /// ``eval()``, which propagate to every submodule.
    public private(set) var isTraining: Bool = true

    /// An empty module in training mode; subclasses set their properties, then call `super.init()`.
    public init() {}

    // MARK: Reflection

    /// One discovered property: its key relative to this module and what it holds.
    enum Slot {
        case parameter(String, Parameter)
        case module(String, Module)
    }

    /// The parameters and modules held directly by this module's stored properties, in declaration order.
    func slots() -> [Slot] {
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror { mirrors.append(m); mirror = m.superclassMirror }
        var result: [Slot] = []
        for m in mirrors.reversed() {
            for child in m.children {
                var value = child.value
                var key = child.label ?? ""
                if let keyed = value as? KeyedProperty {
                    guard let wrapped = keyed.anyWrappedValue else { continue }
                    key = keyed.key
                    value = wrapped
                } else if child.label == nil {
                    continue
                }
                Self.classify(value, key: key, into: &result)
            }
        }
        return result
    }

    private static func classify(_ value: Any, key: String, into result: inout [Slot]) {
        if let p = value as? Parameter {
            result.append(.parameter(key, p))
        } else if let m = value as? Module {
            result.append(.module(key, m))
        } else if let modules = value as? [Module] {
            for (i, m) in modules.enumerated() { result.append(.module(joinKey(key, "\(i)"), m)) }
        } else if let params = value as? [Parameter] {
            for (i, p) in params.enumerated() { result.append(.parameter(joinKey(key, "\(i)"), p)) }
        }
    }

    /// Joins two key segments with a dot; an empty segment disappears (inlined properties, the root).
    static func joinKey(_ prefix: String, _ key: String) -> String {
        if prefix.isEmpty { return key }
        if key.isEmpty { return prefix }
        return prefix + "." + key
    }

    private func walk(prefix: String, seenModules: inout Set<ObjectIdentifier>, seenParameters: inout Set<ObjectIdentifier>,
                      modules: inout [(String, Module)], parameters: inout [(String, Parameter)]) {
        guard seenModules.insert(ObjectIdentifier(self)).inserted else { return }
        modules.append((prefix, self))
        for slot in slots() {
            switch slot {
            case .parameter(let key, let p):
                if seenParameters.insert(ObjectIdentifier(p)).inserted { parameters.append((Self.joinKey(prefix, key), p)) }
            case .module(let key, let m):
                m.walk(prefix: Self.joinKey(prefix, key), seenModules: &seenModules, seenParameters: &seenParameters,
                       modules: &modules, parameters: &parameters)
            }
        }
    }

    private func tree() -> (modules: [(String, Module)], parameters: [(String, Parameter)]) {
        var seenModules = Set<ObjectIdentifier>(), seenParameters = Set<ObjectIdentifier>()
        var modules: [(String, Module)] = [], parameters: [(String, Parameter)] = []
        walk(prefix: "", seenModules: &seenModules, seenParameters: &seenParameters, modules: &modules, parameters: &parameters)
        return (modules, parameters)
    }

    // MARK: Parameters and submodules

    /// Every parameter with its full key, in declaration order (depth first), each listed once.
    public func namedParameters() -> [(key: String, parameter: Parameter)] {
        tree().parameters.map { (key: $0.0, parameter: $0.1) }
    }

    /// Every parameter, in the order of ``namedParameters()``.
    public var parameters: [Parameter] { tree().parameters.map(\.1) }

    /// The parameters that are not frozen, in the order of ``namedParameters()``.
    public var trainableParameters: [Parameter] { parameters.filter { !$0.isFrozen } }

    /// This module (key `""`) and every submodule with its key, depth first, each listed once.
    /// An inlined submodule (``Key`` with an empty key) shares its parent's key.
    public func namedModules() -> [(key: String, module: Module)] {
        tree().modules.map { (key: $0.0, module: $0.1) }
    }

    /// The modules held directly by this module's properties, with their keys.
    public func namedChildren() -> [(key: String, module: Module)] {
        slots().compactMap { if case .module(let k, let m) = $0 { return (key: k, module: m) } else { return nil } }
    }

    /// The number of scalars in all parameters, or in the trainable ones only.
    public func parameterCount(trainableOnly: Bool = false) -> Int {
        (trainableOnly ? trainableParameters : parameters).reduce(0) { $0 + $1.count }
    }

    // MARK: Modes

    /// Sets training mode (`true`) or evaluation mode (`false`) on this module and every submodule.
    public func train(_ mode: Bool = true) {
        for (_, m) in tree().modules { m.isTraining = mode }
    }

    /// Evaluation mode: same as `train(false)`.
    public func eval() { train(false) }

    /// Freezes every parameter: no gradients are computed or stored for them and optimisers skip them.
    public func freeze() { for p in parameters { p.isFrozen = true } }

    /// Makes every parameter trainable again.
    public func unfreeze() { for p in parameters { p.isFrozen = false } }

    /// Forgets the gradients accumulated in every parameter.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}
