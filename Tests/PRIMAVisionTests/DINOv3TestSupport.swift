import Foundation
import PRIMANN
import PRIMATensor
@testable import PRIMAVision

/// Helpers shared by the DINOv3 tests.
enum DINOv3Fixtures {
    /// A tiny model folder written by `save_pretrained` (Scripts/reference/gen_dinov3.py).
    static func folder(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw TensorError.io("fixture folder \(name) missing; regenerate with Scripts/reference/gen_dinov3.py")
        }
        return url
    }

    /// The tiny model of fixture folder `name`, in evaluation mode.
    static func model(_ name: String) throws -> DINOv3Model { try DINOv3Model(contentsOf: folder(name)) }

    /// A tiny configuration for tests that need no reference weights (the sizes of "dinov3_plain_reg4").
    static func tinyConfig(gated: Bool = false, registers: Int = 4) -> DINOv3Config {
        DINOv3Config(patchSize: Size2D(4), hiddenSize: 32, intermediateSize: 48, numHiddenLayers: 2, numAttentionHeads: 2,
                     hiddenAct: gated ? "silu" : "gelu", imageSize: Size2D(16), useGatedMLP: gated,
                     numRegisterTokens: registers)
    }

    /// Normal pixels `[B, 3, H, W]`.
    static func pixels(_ batch: Int, _ height: Int, _ width: Int, seed: UInt64 = 1) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.randomNormal([batch, 3, height, width], using: &rng)
    }
}

/// Largest `|a - b|`.
func maxAbsoluteError(_ actual: Tensor, _ expected: Tensor) -> Float {
    precondition(actual.shape == expected.shape, "shape \(actual.shape) vs expected \(expected.shape)")
    var worst: Float = 0
    for (a, b) in zip(actual.scalars, expected.scalars) {
        if a.isNaN || b.isNaN { return .infinity }
        worst = max(worst, abs(a - b))
    }
    return worst
}
