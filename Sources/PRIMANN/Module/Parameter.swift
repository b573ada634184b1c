import PRIMATensor

/// A learnable tensor of a ``Module``, shared by reference between the module, its optimiser and
/// anything else that holds it.
///
/// A trainable parameter's ``value`` is an autodiff leaf (`Tensor.requiringGrad()`), so a backward
/// pass through a forward that used it fills ``grad``. A frozen parameter holds a plain constant tensor:
/// it is never put on the tape and costs no gradient memory.
public final class Parameter: @unchecked Sendable {
    /// The current values. Assigning keeps the parameter's trainability: the new tensor is made a fresh
    /// leaf when trainable and detached when frozen.
    public var value: Tensor {
        didSet { value = Parameter.leaf(value, frozen: isFrozen) }
    }

    /// When true the parameter takes no part in autodiff and optimisers skip it.
    public var isFrozen: Bool {
        didSet { if isFrozen != oldValue { value = Parameter.leaf(value, frozen: isFrozen) } }
    }

    /// Creates a parameter holding `value` (trainable unless `frozen`).
    public init(_ value: Tensor, frozen: Bool = false) {
        self.isFrozen = frozen
        self.value = Parameter.leaf(value, frozen: frozen)
    }

    /// The shape of ``value``.
    public var shape: [Int] { value.shape }

    /// The number of scalars in ``value``.
    public var count: Int { value.count }

    /// The gradient accumulated by backward passes since the last ``zeroGrad()``; `nil` when none.
    ///
    /// Setting replaces the accumulated gradient (gradient clipping, loading); the new gradient must have
    /// the parameter's shape, and setting it on a frozen parameter is a programmer error.
    public var grad: Tensor? {
        get { value.grad }
        set {
            value.zeroGrad()
            guard let newValue else { return }
            precondition(!isFrozen, "setting the gradient of a frozen parameter")
            precondition(newValue.shape == shape, "gradient of shape \(newValue.shape) for a parameter of shape \(shape)")
            // A leaf's backward with an explicit seed stores exactly that seed as its gradient.
            value.backward(newValue.detached())
        }
    }

    /// Forgets the accumulated gradient.
    public func zeroGrad() { value.zeroGrad() }

    /// Overwrites the values in place (no autodiff), keeping the autodiff leaf and its gradient.
    /// The optimisers' update path: no new tensor per step.
    public func update(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        try value.withUnsafeMutableBuffer(body)
    }

    static func leaf(_ tensor: Tensor, frozen: Bool) -> Tensor {
        if frozen { return tensor.requiresGrad ? tensor.detached() : tensor }
        // An existing leaf that is not the output of an op can be kept as is.
        if tensor.requiresGrad && tensor.node?.isLeaf == true { return tensor }
        return tensor.detached().requiringGrad()
    }
}
