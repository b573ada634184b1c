import Foundation
import PRIMAFusion
import PRIMATensor
import PRIMATestSupport

/// The reference cases and tiny checkpoints written by Scripts/reference/gen_qwen3.py.
enum Qwen3Fixtures {
    static let file = try! FixtureFile.load("qwen3", in: .module)

    static func folder(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name)
    }

    static func model(_ name: String) throws -> Qwen3ForCausalLM {
        try Qwen3ForCausalLM(contentsOf: folder(name))
    }

    /// Largest scaled error over the positions where `mask` is 1 (tensors `[B, L, …]`).
    static func maxErrorAtTokens(_ actual: Tensor, _ expected: Tensor, mask: Tensor) -> Float {
        precondition(actual.shape == expected.shape, "shape \(actual.shape) vs \(expected.shape)")
        let (b, l) = (mask.shape[0], mask.shape[1]), width = actual.count / (b * l)
        var worst: Float = 0
        for i in 0..<b {
            for j in 0..<l where mask[i, j] != 0 {
                let row = (i * l + j) * width
                let a = Tensor(Array(actual.scalars[row..<(row + width)]))
                let e = Tensor(Array(expected.scalars[row..<(row + width)]))
                worst = max(worst, maxScaledError(a, e))
            }
        }
        return worst
    }

    /// `max |a - b| / max(max |b|, floor)`: the error relative to the gradient tensor's scale.
    ///
    /// Whole-model gradients are sums over every position and layer; in float32 their small entries
    /// carry absolute rounding errors of ~1e-6 of the tensor's scale, so an elementwise relative error is
    /// meaningless there (transformers' own float32 gradients are 2.5e-3 off its float64 ones by that
    /// measure on these fixtures, and 2e-6 by this one). The references are float64.
    static func maxErrorRelativeToScale(_ actual: Tensor, _ expected: Tensor, floor: Float = Tolerance.relativeFloor) -> Float {
        precondition(actual.shape == expected.shape, "shape \(actual.shape) vs \(expected.shape)")
        var worst: Float = 0, scale = floor
        for (a, b) in zip(actual.scalars, expected.scalars) {
            if a.isNaN || b.isNaN { return .infinity }
            worst = max(worst, abs(a - b))
            scale = max(scale, abs(b))
        }
        return worst / scale
    }
}


extension FixtureValue {
    /// The elements of a JSON list parameter.
    var list: [FixtureValue] {
        if case .list(let values) = self { return values }
        fatalError("not a list: \(self)")
    }
}
