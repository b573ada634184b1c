import Foundation
import PRIMATensor

extension Module {
    /// Loads parameters from safetensors files one tensor at a time, straight from the memory-mapped files:
    /// no whole-checkpoint dictionary, so loading costs the model plus one tensor. A parameter stored in
    /// bfloat16 (see ``storeFrozenWeights(as:products:)``) takes a `BF16` tensor's bits as stored, never widened.
    ///
    /// Same rules as ``loadStateDict(_:strict:source:)``: every key and shape is checked against the files'
    /// headers before anything changes; shape mismatches always throw, missing and unexpected keys throw
    /// when `strict`. A key present in several files is taken from the last.
    /// - Parameters:
    ///   - files: the opened safetensors files (shards).
    ///   - strict: whether missing and unexpected keys throw.
    ///   - ignoredKeys: file keys to skip without counting them as unexpected (after `prefix` is stripped).
    ///   - prefix: a key prefix to strip from the files' keys first; keys without it are then unexpected.
    ///   - source: a file name or folder quoted in errors (default: the files' paths).
    /// - Throws: ``StateDictError`` naming every offending key, `SafeTensorsError` for unreadable data.
    @discardableResult
    public func loadSafeTensors(_ files: [SafeTensorsFile], strict: Bool = true, ignoring ignoredKeys: Set<String> = [],
                                stripping prefix: String = "", source: String? = nil) throws -> StateDictLoadReport {
        try loadSafeTensors(files, strict: strict, source: source) { key in
            let name = prefix.isEmpty || !key.hasPrefix(prefix) ? key : String(key.dropFirst(prefix.count))
            return ignoredKeys.contains(name) ? nil : name
        }
    }

    /// Loads parameters from safetensors files one tensor at a time, as
    /// ``loadSafeTensors(_:strict:ignoring:stripping:source:)`` does, with the files' keys mapped onto the
    /// module's by `name`: for checkpoints whose keys carry wrapper prefixes, legacy names or heads to skip.
    /// - Parameters:
    ///   - files: the opened safetensors files (shards).
    ///   - strict: whether missing and unexpected keys throw.
    ///   - source: a file name or folder quoted in errors (default: the files' paths).
    ///   - name: the module key a file key loads into, or nil to skip that file key (neither loaded nor
    ///     reported as unexpected). A name that is not a module key is reported as unexpected.
    /// - Throws: ``StateDictError`` naming every offending key, `SafeTensorsError` for unreadable data.
    @discardableResult
    public func loadSafeTensors(_ files: [SafeTensorsFile], strict: Bool = true, source: String? = nil,
                                naming name: (String) throws -> String?) throws -> StateDictLoadReport {
        var located: [String: (file: SafeTensorsFile, key: String)] = [:]
        for file in files {
            for key in file.keys {
                if let name = try name(key) { located[name] = (file, key) }
            }
        }
        let named = namedParameters()
        var missing: [String] = [], mismatched: [StateDictError.ShapeMismatch] = []
        var known = Set<String>()
        for (key, p) in named {
            known.insert(key)
            guard let (file, fileKey) = located[key] else { missing.append(key); continue }
            let shape = try file.entry(fileKey).shape
            if shape != p.shape { mismatched.append(.init(key: key, expected: p.shape, found: shape)) }
        }
        let unexpected = located.keys.filter { !known.contains($0) }.sorted()
        let origin = source ?? files.map(\.url.path).joined(separator: ", ")
        if !mismatched.isEmpty || (strict && !(missing.isEmpty && unexpected.isEmpty)) {
            throw StateDictError(missingKeys: missing, unexpectedKeys: strict ? unexpected : [],
                                 shapeMismatches: mismatched, source: origin)
        }
        for (key, p) in named {
            guard let (file, fileKey) = located[key] else { continue }
            if p.precision == .bfloat16 {
                p.storeInBFloat16(try file.bfloat16Tensor(fileKey))
            } else {
                p.value = try file.tensor(fileKey)
            }
            // The file's pages of this tensor are no longer needed: resident memory stays the model plus one tensor.
            file.releasePages(of: fileKey)
        }
        return StateDictLoadReport(missingKeys: missing, unexpectedKeys: unexpected)
    }
}
