import PRIMATensor

/// A learnable tensor of a ``Module``, shared by reference between the module, its optimiser and
/// anything else that holds it.
///
/// A trainable parameter's ``value`` is an autodiff leaf (`Tensor.requiringGrad()`), so a backward
/// pass through a forward that used it fills ``grad``. A frozen parameter holds a plain constant tensor:
/// it is never put on the tape and costs no gradient memory.
///
/// A frozen parameter can be stored in bfloat16 instead (``storeInBFloat16()``, see ``WeightPrecision``):
/// ``bfloat16Value`` then holds the values at half the bytes and ``value`` widens them on each read.
public final class Parameter: @unchecked Sendable {
    /// The Float32 values; a zero-element placeholder while ``bfloat16Value`` holds them.
    private var float32Value: Tensor
    /// The values in bfloat16 when the parameter is stored that way (frozen only), else nil.
    public private(set) var bfloat16Value: BFloat16Tensor?

    /// The current values. Assigning keeps the parameter's trainability: the new tensor is made a fresh
    /// leaf when trainable and detached when frozen. A parameter stored in bfloat16 returns a new widened
    /// copy on each read and rounds an assigned tensor to bfloat16 (it stays in bfloat16).
    public var value: Tensor {
        get { bfloat16Value?.widened() ?? float32Value }
        set {
            if bfloat16Value != nil {
                bfloat16Value = BFloat16Tensor(rounding: newValue)
            } else {
                float32Value = Parameter.leaf(newValue, frozen: isFrozen)
            }
        }
    }

    /// When true the parameter takes no part in autodiff and optimisers skip it. Making a bfloat16
    /// parameter trainable widens it back to Float32 (trainable values are always Float32).
    public var isFrozen: Bool {
        didSet {
            guard isFrozen != oldValue else { return }
            if !isFrozen { storeInFloat32() }
            float32Value = Parameter.leaf(float32Value, frozen: isFrozen)
        }
    }

    /// Creates a parameter holding `value` (trainable unless `frozen`).
    public init(_ value: Tensor, frozen: Bool = false) {
        self.isFrozen = frozen
        self.float32Value = Parameter.leaf(value, frozen: frozen)
    }

    /// The shape of ``value``.
    public var shape: [Int] { bfloat16Value?.shape ?? float32Value.shape }

    /// The number of scalars in ``value``.
    public var count: Int { bfloat16Value?.count ?? float32Value.count }

    /// How the values are stored.
    public var precision: WeightPrecision { bfloat16Value == nil ? .float32 : .bfloat16 }

    /// Stores the values in bfloat16 (rounded to nearest, ties to even), freeing the Float32 copy.
    /// Only for frozen parameters (a programmer error otherwise); no-op when already bfloat16.
    public func storeInBFloat16() {
        precondition(isFrozen, "only a frozen parameter can be stored in bfloat16")
        guard bfloat16Value == nil else { return }
        bfloat16Value = BFloat16Tensor(rounding: float32Value)
        float32Value = Tensor.zeros([0])
    }

    /// Replaces the values with `values` kept as they are in bfloat16 (a checkpoint's `BF16` tensor,
    /// never widened). Only for frozen parameters, and `values` must have the parameter's shape.
    public func storeInBFloat16(_ values: BFloat16Tensor) {
        precondition(isFrozen, "only a frozen parameter can be stored in bfloat16")
        precondition(values.shape == shape, "bfloat16 values of shape \(values.shape) for a parameter of shape \(shape)")
        bfloat16Value = values
        float32Value = Tensor.zeros([0])
    }

    /// Stores the values in Float32 again (exactly the bfloat16 values, widened); no-op when Float32.
    public func storeInFloat32() {
        guard let bfloat16Value else { return }
        float32Value = Parameter.leaf(bfloat16Value.widened(), frozen: isFrozen)
        self.bfloat16Value = nil
    }

    /// The gradient accumulated by backward passes since the last ``zeroGrad()``; `nil` when none.
    ///
    /// Setting replaces the accumulated gradient (gradient clipping, loading); the new gradient must have
    /// the parameter's shape, and setting it on a frozen parameter is a programmer error.
    public var grad: Tensor? {
        get { float32Value.grad }
        set {
            float32Value.zeroGrad()
            guard let newValue else { return }
            precondition(!isFrozen, "setting the gradient of a frozen parameter")
            precondition(newValue.shape == shape, "gradient of shape \(newValue.shape) for a parameter of shape \(shape)")
            // A leaf's backward with an explicit seed stores exactly that seed as its gradient.
            float32Value.backward(newValue.detached())
        }
    }

    /// Forgets the accumulated gradient.
    public func zeroGrad() { float32Value.zeroGrad() }

    /// Overwrites the values in place (no autodiff), keeping the autodiff leaf and its gradient.
    /// The optimisers' update path: no new tensor per step. On a bfloat16 parameter (a LoRA merge into
    /// a frozen weight) the values are widened, updated and rounded back to bfloat16.
    public func update(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        if let bfloat16Value {
            var widened = bfloat16Value.widened()
            try widened.withUnsafeMutableBuffer(body)
            self.bfloat16Value = BFloat16Tensor(rounding: widened)
            return
        }
        try float32Value.withUnsafeMutableBuffer(body)
    }

    static func leaf(_ tensor: Tensor, frozen: Bool) -> Tensor {
        if frozen { return tensor.requiresGrad ? tensor.detached() : tensor }
        // An existing leaf that is not the output of an op can be kept as is.
        if tensor.requiresGrad && tensor.node?.isLeaf == true { return tensor }
        return tensor.detached().requiringGrad()
    }
}
