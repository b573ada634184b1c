/// Gives a stored property of a ``Module`` an explicit checkpoint key, so Swift-style names can map to
/// Hugging Face keys.
///
/// Declare the property with its key, then either give it a value in place or assign it after
/// `super.init()` (Swift does not let a wrapped property with attribute arguments be assigned before):
///
/// ```swift
/// final class DecoderLayer: Module {
///     @Key("self_attn") var selfAttention: Attention
///     @Key("input_layernorm") var inputNorm = RMSNorm(dimension: 64)
///
///     init(config: Config, using rng: inout RandomGenerator) {
///         super.init()
///         selfAttention = Attention(config: config, using: &rng)
///     }
/// }
/// ```
///
/// Reading a property that was never assigned is a programmer error (it traps); reflection skips it.
/// Without `@Key` a property's key is its Swift name. The empty key `@Key("")` inlines the property:
/// its parameters and children take the parent's prefix directly (``Sequential`` uses it so its layers
/// are keyed `0`, `1`, … like `torch.nn.Sequential`). A key may contain dots (`@Key("lora_A.weight")`).
@propertyWrapper
public struct Key<Value> {
    private var storage: Value?
    /// The checkpoint key of the property.
    public let key: String

    /// The wrapped property.
    public var wrappedValue: Value {
        get {
            guard let storage else { preconditionFailure("property with key \"\(key)\" read before it was assigned") }
            return storage
        }
        set { storage = newValue }
    }

    /// Wraps `wrappedValue` under checkpoint key `key`.
    public init(wrappedValue: Value, _ key: String) {
        self.storage = wrappedValue
        self.key = key
    }

    /// A property under checkpoint key `key`, to be assigned after `super.init()`.
    public init(_ key: String) {
        self.storage = nil
        self.key = key
    }
}

/// Type-erased view of ``Key`` used by module reflection.
protocol KeyedProperty {
    var key: String { get }
    /// The value, or nil when never assigned.
    var anyWrappedValue: Any? { get }
}

extension Key: KeyedProperty {
    var anyWrappedValue: Any? { storage.map { $0 as Any } }
}

/// Hides a stored property of a ``Module`` from reflection: a module or parameter held for reference
/// (a back link to a parent, a shared helper) that is not part of this module's tree and checkpoint.
@propertyWrapper
public struct Excluded<Value> {
    /// The hidden property.
    public var wrappedValue: Value

    /// Hides `wrappedValue` from reflection.
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }
}
