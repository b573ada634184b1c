import PRIMATensor

/// Why a state dict did not load: every missing, unexpected and mis-shaped key, by name.
public struct StateDictError: Error, Equatable, CustomStringConvertible {
    /// A key present on both sides whose shapes differ.
    public struct ShapeMismatch: Equatable, Sendable {
        /// The parameter key.
        public let key: String
        /// The shape of the module's parameter.
        public let expected: [Int]
        /// The shape in the state dict.
        public let found: [Int]

        /// A mismatch for `key`.
        public init(key: String, expected: [Int], found: [Int]) {
            self.key = key
            self.expected = expected
            self.found = found
        }
    }

    /// Keys of the module that the state dict lacks.
    public let missingKeys: [String]
    /// Keys of the state dict that the module does not have.
    public let unexpectedKeys: [String]
    /// Keys whose shapes differ.
    public let shapeMismatches: [ShapeMismatch]
    /// Where the state dict came from (a file path), if known.
    public let source: String?

    /// An error listing the offending keys.
    public init(missingKeys: [String], unexpectedKeys: [String], shapeMismatches: [ShapeMismatch], source: String?) {
        self.missingKeys = missingKeys
        self.unexpectedKeys = unexpectedKeys
        self.shapeMismatches = shapeMismatches
        self.source = source
    }

    /// Every offending key on its own line, with shapes for mismatches.
    public var description: String {
        var lines = ["state dict\(source.map { " \($0)" } ?? "") does not match the module:"]
        if !missingKeys.isEmpty { lines.append("  missing keys (\(missingKeys.count)): \(missingKeys.joined(separator: ", "))") }
        if !unexpectedKeys.isEmpty { lines.append("  unexpected keys (\(unexpectedKeys.count)): \(unexpectedKeys.joined(separator: ", "))") }
        for m in shapeMismatches {
            lines.append("  shape mismatch for \(m.key): module has \(m.expected), state dict has \(m.found)")
        }
        return lines.joined(separator: "\n")
    }
}

/// What a non-strict load skipped.
public struct StateDictLoadReport: Equatable, Sendable {
    /// Keys of the module left unchanged because the state dict lacks them.
    public let missingKeys: [String]
    /// Keys of the state dict that were ignored.
    public let unexpectedKeys: [String]
}

extension Module {
    /// Every parameter's values by key (detached from autodiff), the form written to checkpoints.
    public func stateDict() -> [String: Tensor] {
        var dict: [String: Tensor] = [:]
        for (key, p) in namedParameters() { dict[key] = p.value.detached() }
        return dict
    }

    /// Copies values from `stateDict` into the parameters with the same keys.
    ///
    /// Nothing is changed unless the whole load succeeds. Shape mismatches always throw; with `strict`
    /// (the default) missing and unexpected keys throw too, otherwise they are skipped and reported.
    /// Frozen parameters stay frozen, trainable ones trainable.
    ///
    /// - Parameters:
    ///   - stateDict: tensors by parameter key.
    ///   - strict: whether missing and unexpected keys throw.
    ///   - source: a file name or other origin, quoted in the error.
    /// - Throws: ``StateDictError`` naming every offending key.
    @discardableResult
    public func loadStateDict(_ stateDict: [String: Tensor], strict: Bool = true, source: String? = nil) throws -> StateDictLoadReport {
        let named = namedParameters()
        var missing: [String] = [], mismatched: [StateDictError.ShapeMismatch] = []
        var known = Set<String>()
        for (key, p) in named {
            known.insert(key)
            guard let t = stateDict[key] else { missing.append(key); continue }
            if t.shape != p.shape { mismatched.append(.init(key: key, expected: p.shape, found: t.shape)) }
        }
        let unexpected = stateDict.keys.filter { !known.contains($0) }.sorted()
        if !mismatched.isEmpty || (strict && !(missing.isEmpty && unexpected.isEmpty)) {
            throw StateDictError(missingKeys: missing, unexpectedKeys: strict ? unexpected : [],
                                 shapeMismatches: mismatched, source: source)
        }
        for (key, p) in named {
            if let t = stateDict[key] { p.value = t.detached() }
        }
        return StateDictLoadReport(missingKeys: missing, unexpectedKeys: unexpected)
    }
}
