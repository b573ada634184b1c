// One stage-3 training step (forward, backward, AdamW update) of a FusionClassifier on a Qwen3 of a published shape
// with random weights, for measuring peak resident memory with `/usr/bin/time -v` (Benchmarks/fusion-memory.sh).
//
// Usage: prima-fusion-memory <0.6b|1.7b|small> [batch 4] [text tokens 48] [--frozen-weights f32|bf16]
// With `--frozen-weights bf16` the frozen Linear weights of the language model are stored in bfloat16
// (`Module.storeFrozenWeights(as:)`) before any weight is written, as a bf16 checkpoint would be loaded.
// Features are shaped as the default encoders give them: a 14 × 14 patch grid of width 384 (DINOv3 ViT-S/16 at 224 px)
// and text tokens of width 384; with the default 2 × 2 / 2 convolutions the LLM reads a prompt of ~15 tokens,
// 4 markers, 1 + 49 image tokens and 1 + 24 text tokens: ~94 positions.
import Foundation
import PRIMAAlign
import PRIMAFusion
import PRIMANN
import PRIMAText
import PRIMATensor

func seconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

var arguments = CommandLine.arguments
var precision = WeightPrecision.float32
if let flag = arguments.firstIndex(of: "--frozen-weights") {
    guard flag + 1 < arguments.count, let value = ["f32": WeightPrecision.float32, "bf16": .bfloat16][arguments[flag + 1]] else {
        FileHandle.standardError.write(Data("--frozen-weights takes f32 or bf16\n".utf8))
        exit(2)
    }
    precision = value
    arguments.removeSubrange(flag ... flag + 1)
}
guard arguments.count >= 2, let size = ["0.6b", "1.7b", "small"].first(where: { $0 == arguments[1] }) else {
    FileHandle.standardError.write(Data("usage: prima-fusion-memory <0.6b|1.7b|small> [batch] [text tokens] [--frozen-weights f32|bf16]\n".utf8))
    exit(2)
}
let batch = arguments.count > 2 ? Int(arguments[2]) ?? 4 : 4
let textLength = arguments.count > 3 ? Int(arguments[3]) ?? 48 : 48
let config: Qwen3Config = switch size {
case "0.6b": .qwen3_0_6B
case "1.7b": .qwen3_1_7B
default: .smallFusion(vocabularySize: 1000)
}
let start = seconds()
// Storage first (untouched pages cost no memory), then random values one parameter at a time, so the peak is
// what loading a checkpoint tensor by tensor reaches: matrices normal(0, 0.02), norm weights one.
let model = Qwen3ForCausalLM(config: config, initialization: .uninitialized)
model.freeze()
model.storeFrozenWeights(as: precision)
var rng = RandomGenerator(seed: 1)
for parameter in model.parameters {
    parameter.value = parameter.shape.count >= 2 ? Tensor.randomNormal(parameter.shape, std: 0.02, using: &rng) : Tensor.ones(parameter.shape)
}
let built = seconds()
let width = 384, grid = PatchGrid(height: 14, width: 14)
let classifier = try FusionClassifier(
    languageModel: model, promptTokenIDs: Array(100 ..< 115), classTokenIDs: [200, 201, 202, 203, 204, 205],
    classNames: ["ACK", "BCC", "MEL", "NEV", "SCC", "SEK"],
    specialTokens: FusionSpecialTokens(weight: Tensor.randomNormal([4, config.hiddenSize], std: 0.02, using: &rng)),
    projectors: FusionProjectorConfiguration(imageFeatureWidth: width, textFeatureWidth: width, hiddenSize: config.hiddenSize),
    lora: .qwen3Fusion, using: &rng)
let image = ImageFeatures(global: Tensor.randomNormal([batch, width], using: &rng),
                          tokens: Tensor.randomNormal([batch, grid.count, width], using: &rng), grid: grid)
let mask = Tensor.ones([batch, textLength])
let text = TextFeatures(cls: Tensor.randomNormal([batch, width], using: &rng),
                        tokens: Tensor.randomNormal([batch, textLength, width], using: &rng), mask: mask, wordMask: mask)
let labels = Tensor((0..<batch).map { Float($0 % 6) })
let trainable = classifier.namedParameters().filter { !$0.parameter.isFrozen }
let optimizer = AdamW(parameters: trainable, learningRate: 1e-5, weightDecay: 3e-2)
let length = try classifier.prompt(views: [image], text: text).lengths.max() ?? 0
let stepStart = seconds()
let loss = try classifier.loss(logits: try classifier.logits(image: image, text: text), labels: labels)
loss.backward()
optimizer.step()
optimizer.zeroGrad()
let done = seconds()
print("""
    model \(size): \(classifier.languageModel.parameterCount()) language-model parameters (\(trainable.reduce(0) { $0 + $1.parameter.count }) trainable), frozen Linear weights \(precision == .bfloat16 ? "bfloat16" : "float32"), \(model.parameterByteCount >> 20) MiB of weights
    batch \(batch) × \(length) positions; loss \(loss.item)
    build \(String(format: "%.1f", built - start)) s, one training step \(String(format: "%.1f", done - stepStart)) s
    """)
