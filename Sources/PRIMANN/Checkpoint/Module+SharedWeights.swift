import PRIMATensor

extension Module {
    /// Gives every parameter the values of the parameter with the same key in `template` (a module of the same
    /// architecture), sharing its storage instead of copying it: tensors are copy-on-write, and a bfloat16
    /// parameter of `template` stays bfloat16 here (half the bytes, never widened). For fresh copies of a frozen
    /// backbone, one per fold, that all read the same weights.
    ///
    /// Nothing changes unless every key and shape matches. Trainability is kept: a frozen parameter stays
    /// frozen, a trainable one trainable (and takes `template`'s values in float32).
    /// - Throws: ``StateDictError`` naming every missing, unexpected or mis-shaped key.
    public func shareWeights(of template: Module) throws {
        let source = Dictionary(template.namedParameters().map { ($0.key, $0.parameter) }, uniquingKeysWith: { first, _ in first })
        let named = namedParameters()
        var missing: [String] = [], mismatched: [StateDictError.ShapeMismatch] = []
        for (key, p) in named {
            guard let t = source[key] else { missing.append(key); continue }
            if t.shape != p.shape { mismatched.append(.init(key: key, expected: p.shape, found: t.shape)) }
        }
        let known = Set(named.map(\.key))
        let unexpected = source.keys.filter { !known.contains($0) }.sorted()
        guard missing.isEmpty, unexpected.isEmpty, mismatched.isEmpty else {
            throw StateDictError(missingKeys: missing, unexpectedKeys: unexpected, shapeMismatches: mismatched,
                                 source: "\(type(of: template))")
        }
        for (key, p) in named {
            let t = source[key]!
            if let stored = t.bfloat16Value, p.isFrozen {
                p.storeInBFloat16(stored)
            } else {
                p.storeInFloat32()
                p.value = t.value
            }
        }
    }
}
