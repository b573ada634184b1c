import Foundation
import PRIMATensor

/// PyTorch's parameter initialisers (`torch.nn.init`), drawing from a `RandomGenerator`.
///
/// The formulas match PyTorch; the random streams do not (PyTorch's generator differs), so tests that
/// compare with PyTorch load the weights from fixtures.
public enum Initialization {
    /// `kaiming_uniform_(w, a, mode="fan_in", nonlinearity="leaky_relu")`: uniform in ±`gain·√(3 / fanIn)` with
    /// `gain = √(2 / (1 + a²))`. With `a = √5` (the default of `Linear` and `Conv*d`) the bound is `1 / √fanIn`.
    public static func kaimingUniform(_ shape: [Int], fanIn: Int, a: Float = Float(5).squareRoot(),
                                      using rng: inout RandomGenerator) -> Tensor {
        let gain = (2 / (1 + a * a)).squareRoot()
        let bound = gain * (3 / Float(max(fanIn, 1))).squareRoot()
        return Tensor.randomUniform(shape, low: -bound, high: bound, using: &rng)
    }

    /// Uniform in ±`1 / √fanIn`: PyTorch's default bias of `Linear` and `Conv*d`.
    public static func fanInUniform(_ shape: [Int], fanIn: Int, using rng: inout RandomGenerator) -> Tensor {
        let bound = 1 / Float(max(fanIn, 1)).squareRoot()
        return Tensor.randomUniform(shape, low: -bound, high: bound, using: &rng)
    }
}
