import PRIMAAlign
import PRIMANN
import PRIMATensor
import PRIMAText
import PRIMAVision
import Testing

@Suite struct EncoderConformanceTests {
    @Test func dinov3GivesCLSAndPatchesWithoutRegisters() {
        var config = DINOv3Config.vitSmall16
        config.hiddenSize = 32
        config.intermediateSize = 64
        config.numHiddenLayers = 1
        config.numAttentionHeads = 2
        var rng = RandomGenerator(seed: 1)
        let model = DINOv3Model(config: config, using: &rng)
        model.eval()
        let pixels = Tensor.randomNormal([2, 3, 32, 48], using: &rng)
        let features = noGrad { model.encodeImages(pixels) }
        let raw = noGrad { model(pixels) }
        #expect(features.global.shape == [2, 32])
        #expect(features.tokens?.shape == [2, 6, 32])
        #expect(features.grid == PatchGrid(height: 2, width: 3))
        #expect(features.global.scalars == raw.cls.scalars)
        #expect(features.tokens?.scalars == raw.patches.scalars)
        #expect(model.featureWidth == 32)
    }
}
