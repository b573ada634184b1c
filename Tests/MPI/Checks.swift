import Foundation
import PRIMANN
import PRIMATensor

/// A check that did not hold.
struct CheckFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Throws unless `condition`.
func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    guard condition else { throw CheckFailure(message()) }
}

/// The largest |a − b| / max(|b|, floor) over two equally long lists.
func maxRelativeError(_ a: [Float], _ b: [Float], floor: Float = 1e-3) -> Float {
    precondition(a.count == b.count, "comparing \(a.count) with \(b.count) values")
    return zip(a, b).map { abs($0 - $1) / max(abs($1), floor) }.max() ?? 0
}

/// The largest |a − b| over two equally long lists.
func maxAbsoluteError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "comparing \(a.count) with \(b.count) values")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Float32 tolerances of the data-parallel checks: the ranks compute the same sums as one process but in other
/// groupings (a matrix product over B/2 rows instead of B, gradients summed over ranks), so results agree to
/// float32 rounding, not bit for bit.
enum DataParallelTolerance {
    /// Gathered values and loss values against one process (relative).
    static let forward: Float = 1e-5
    /// Gradients after averaging against one process (relative, floor 1e-3).
    static let gradient: Float = 1e-4
    /// Final weights after a few AdamW steps against one process (relative, floor 1e-3; measured 6e-6 for the
    /// alignment trainer, 2e-6 for the classifier and the supervised step, 5.8e-5 for the fusion trainer, whose
    /// zero-initialised LoRA B matrices leave tiny first gradients): AdamW divides by √v, so rounding in a gradient
    /// element near zero shows in its step.
    static let training: Float = 1e-4
}

/// Writes a line to standard output at once (unbuffered: a rank may be killed right after).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
