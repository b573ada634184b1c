extension SafeTensorsFile {
    /// Tensor `key` as bfloat16: a `BF16` tensor's bits are copied as stored (never widened to Float32);
    /// any other dtype is read as Float32 (see ``tensor(_:)``) and rounded to nearest, ties to even.
    public func bfloat16Tensor(_ key: String) throws -> BFloat16Tensor {
        let entry = try entry(key)
        guard entry.dtype == .bf16 else { return BFloat16Tensor(rounding: try tensor(key)) }
        let storage = BFloat16Storage(uninitializedCount: Shape.count(entry.shape))
        try withUnsafeBytes(of: key) { bytes in
            if let base = bytes.baseAddress {
                UnsafeMutableRawPointer(storage.pointer).copyMemory(from: base, byteCount: storage.count * 2)
            }
        }
        return BFloat16Tensor(storage: storage, shape: entry.shape)
    }
}
