import Logging
import PRIMATensor

/// Attaching LoRA adapters to the ``Linear`` layers of a model, chosen by key, as PEFT's
/// `LoraConfig(target_modules=…)` does, and their life cycle: ``apply(to:_:freezeBase:using:)``, train,
/// then ``merge(in:)``/``unmerge(in:)`` (reversible, adapters stay attached), ``mergePermanently(in:)``
/// (PEFT's `merge_and_unload`) or ``remove(from:)`` (PEFT's `unload`); after either of the last two the model
/// takes new adapters again.
public enum LoRA {
    /// Which layers get adapters and how large they are.
    public struct Configuration: Sendable, Codable, Equatable {
        /// The rank `r` of every adapter.
        public var rank: Int
        /// The scaling numerator: updates are scaled by `alpha / rank`.
        public var alpha: Float
        /// Dropout probability on the adapters' inputs.
        public var dropout: Float
        /// Layer names: a Linear whose key equals a target or ends with `.` + target is adapted
        /// (`["q_proj", "v_proj"]`, or a full key such as `"layers.0.mlp.up_proj"`).
        public var targets: [String]

        /// A configuration; PRIMA uses rank 8 (text), 32 (DINOv3) and 16 (Qwen3).
        public init(rank: Int, alpha: Float, dropout: Float = 0, targets: [String]) {
            self.rank = rank
            self.alpha = alpha
            self.dropout = dropout
            self.targets = targets
        }

        /// Whether a module key names a target layer.
        public func matches(_ key: String) -> Bool {
            targets.contains { key == $0 || key.hasSuffix("." + $0) }
        }
    }

    private static let logger = Logger(label: "PRIMANN.LoRA")

    /// Attaches an adapter to every matching Linear of `model` that has none yet and, with `freezeBase`,
    /// freezes all other parameters so that only the adapters train.
    ///
    /// Base keys stay as they were (`q_proj.weight`); the adapters add `q_proj.lora_A.weight` and
    /// `q_proj.lora_B.weight`.
    /// Load the pretrained checkpoint before attaching adapters: strict loading then sees only base keys.
    /// (Afterwards, a base checkpoint loads with `strict: false`, reporting the adapter keys as missing.)
    /// - Returns: the keys of the adapted layers, in module order.
    /// - Throws: `TensorError.invalidArgument` when no layer matches (most likely a misspelt target).
    @discardableResult
    public static func apply(to model: Module, _ configuration: Configuration, freezeBase: Bool = true,
                             using rng: inout RandomGenerator) throws -> [String] {
        let candidates = model.namedModules().compactMap { entry -> (String, Linear)? in
            guard let linear = entry.module as? Linear, linear.lora == nil, configuration.matches(entry.key) else { return nil }
            return (entry.key, linear)
        }
        guard !candidates.isEmpty else {
            throw TensorError.invalidArgument("LoRA targets \(configuration.targets) match no Linear layer of \(type(of: model))")
        }
        if freezeBase { model.freeze() }
        for (_, linear) in candidates {
            linear.lora = LoRAAdapter(base: linear, rank: configuration.rank, alpha: configuration.alpha,
                                      dropout: configuration.dropout, using: &rng)
        }
        let keys = candidates.map(\.0)
        logger.info("LoRA rank \(configuration.rank) on \(keys.count) layers; \(model.parameterCount(trainableOnly: true)) of \(model.parameterCount()) parameters trainable")
        return keys
    }

    /// Every adapter of `model` with the key of its layer.
    public static func adapters(in model: Module) -> [(key: String, adapter: LoRAAdapter)] {
        model.namedModules().compactMap { entry in
            guard let linear = entry.module as? Linear, let lora = linear.lora else { return nil }
            return (key: entry.key, adapter: lora)
        }
    }

    /// Folds every adapter of `model` into its base weight, keeping the adapters attached (the layers skip
    /// them while merged), so that ``unmerge(in:)`` can take them out again. For inference.
    public static func merge(in model: Module) { for (_, a) in adapters(in: model) { a.merge() } }

    /// Takes every adapter of `model` out of its base weight again.
    public static func unmerge(in model: Module) { for (_, a) in adapters(in: model) { a.unmerge() } }

    /// Folds every adapter of `model` into its base weight for good and detaches it: each adapted layer is a
    /// plain ``Linear`` again whose weight includes the update, its keys are the base keys only, and a later
    /// ``apply(to:_:freezeBase:using:)`` attaches fresh adapters on top (PRIMA merges the stage-1 text
    /// adapters before stage 2 and the stage-2 image adapters before stage 3).
    ///
    /// The merged weights keep their trainability (frozen after a LoRA run with `freezeBase`).
    /// - Returns: the keys of the layers whose adapters were merged, in module order.
    @discardableResult
    public static func mergePermanently(in model: Module) -> [String] {
        let found = adaptedLayers(in: model)
        for (_, layer) in found {
            layer.lora?.merge()
            layer.lora = nil
        }
        return found.map(\.key)
    }

    /// Detaches every adapter of `model` without keeping its update: each adapted layer is its original
    /// ``Linear`` again (an adapter that was merged is taken out of the weight first).
    /// - Returns: the keys of the layers whose adapters were removed, in module order.
    @discardableResult
    public static func remove(from model: Module) -> [String] {
        let found = adaptedLayers(in: model)
        for (_, layer) in found {
            layer.lora?.unmerge()
            layer.lora = nil
        }
        return found.map(\.key)
    }

    /// The state dict `model` would have after ``mergePermanently(in:)``, computed without changing the model:
    /// adapter keys left out, each adapted layer's `weight` replaced by its merged value. What a saved
    /// inference checkpoint holds.
    public static func mergedStateDict(of model: Module) -> [String: Tensor] {
        var dict = model.stateDict()
        for (key, adapter) in adapters(in: model) {
            for (sub, _) in adapter.namedParameters() { dict[Module.joinKey(key, sub)] = nil }
            guard !adapter.isMerged else { continue }
            let weightKey = Module.joinKey(key, "weight")
            dict[weightKey] = noGrad { dict[weightKey]! + adapter.delta() }
        }
        return dict
    }

    /// The Linear layers of `model` that carry an adapter, with their keys.
    private static func adaptedLayers(in model: Module) -> [(key: String, layer: Linear)] {
        model.namedModules().compactMap { entry in
            guard let linear = entry.module as? Linear, linear.lora != nil else { return nil }
            return (key: entry.key, layer: linear)
        }
    }

    /// The adapters' parameters only (a small file to save after fine-tuning), keyed as in the model.
    public static func adapterStateDict(of model: Module) -> [String: Tensor] {
        var dict: [String: Tensor] = [:]
        for (key, adapter) in adapters(in: model) {
            for (sub, p) in adapter.namedParameters() { dict[Module.joinKey(key, sub)] = p.value.detached() }
        }
        return dict
    }
}
