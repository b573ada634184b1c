// Peak resident memory of loading a checkpoint and running the inference and stage-2 rows with the frozen Linear
// weights stored in float32 or bfloat16 (Benchmarks/frozen-memory.sh runs each in a fresh process under
// `/usr/bin/time`; see Documentation/MixedPrecision.md).
//
// Usage: prima-frozen-memory write <folder> <vits16|modernbert-base|minilm> <f32|bf16>
//          writes config.json and model.safetensors (random weights, seeded) in that dtype: a checkpoint to load
//        prima-frozen-memory <row> <folder…> --frozen-weights <f32|bf16>
//          rows: load-vision <vits16 folder>, load-text <text folder>   (the loader alone)
//                load-text-dictionary <text folder>                     (the encoders' loading before tensor-by-tensor
//                                                                        loading: the whole file as a float32
//                                                                        dictionary, then loadStateDict; f32 only)
//                vits16-inference <vits16 folder>                       (ViT-S/16 b8 224², forward without gradients)
//                modernbert-inference <modernbert folder>               (ModernBERT-base 8×128, forward without gradients)
//                align-step <vits16 folder> <text folder>               (one stage-2 step: ViT-S/16 LoRA 32 on two
//                                                                        views of 16 samples, frozen text encoder 16×64,
//                                                                        projections, PRIMA's four losses, AdamW)
// Models are loaded the way the harness loads them (`DINOv3Model` / `TextEncoder` `init(contentsOf:frozenWeights:)`).
import Foundation
import PRIMAAlign
import PRIMANN
import PRIMATensor
import PRIMAText
import PRIMAVision

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("prima-frozen-memory: \(message)\n".utf8))
    exit(2)
}

func seconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Writes `config` as `config.json` with `model_type` added, as Hugging Face folders carry it.
func writeConfig<Config: Encodable>(_ config: Config, modelType: String, to folder: URL) throws {
    var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as! [String: Any]
    json["model_type"] = modelType
    try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: folder.appendingPathComponent("config.json"))
}

func write(_ folder: URL, model name: String, dtype: SafeTensorsDType) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var rng = RandomGenerator(seed: 7)
    let model: Module
    switch name {
    case "vits16":
        try writeConfig(DINOv3Config.vitSmall16, modelType: "dinov3_vit", to: folder)
        model = DINOv3Model(config: .vitSmall16, using: &rng)
    case "modernbert-base":
        try writeConfig(ModernBERTConfig(), modelType: "modernbert", to: folder)
        model = ModernBERTModel(config: ModernBERTConfig(), using: &rng)
    case "minilm":
        let config = BERTConfig(vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536)
        try writeConfig(config, modelType: "bert", to: folder)
        model = BERTModel(config: config, pooler: false, using: &rng)
    default: fail("unknown model \(name)")
    }
    try model.saveWeights(to: folder.appendingPathComponent("model.safetensors"), dtype: dtype)
}

/// The TextEncoder of a folder written by `write` (no tokenizer needed: the rows feed token ids).
func textEncoder(_ folder: URL, _ precision: WeightPrecision) throws -> TextEncoder {
    let architecture = try TextEncoderArchitecture.read(from: folder)
    return TextEncoder(backbone: try architecture.loadBackbone(contentsOf: folder, frozenWeights: precision), tokenizer: nil)
}

func vocabularySize(_ encoder: TextEncoder) -> Int {
    switch encoder.backbone {
    case let bert as BERTModel: bert.config.vocabSize
    case let modern as ModernBERTModel: modern.config.vocabSize
    default: fail("unknown text encoder")
    }
}

/// The trainable side of the step: the image encoder's adapters and the projections.
final class Trainable: Module {
    let vision: DINOv3Model, imageProjection: Linear, textProjection: Linear
    init(vision: DINOv3Model, imageProjection: Linear, textProjection: Linear) {
        (self.vision, self.imageProjection, self.textProjection) = (vision, imageProjection, textProjection)
        super.init()
    }
}

/// One stage-2 step as Benchmarks/Swift/AlignRows.swift times it, run twice (the second reuses the first's buffers).
func alignStep(vision: DINOv3Model, text: TextEncoder) throws {
    let (batch, tokens) = (16, 64)
    var rng = RandomGenerator(seed: 0)
    try vision.applyLoRA(.dinov3(rank: 32), using: &rng)
    let imageProjection = Linear(vision.config.hiddenSize, 256, using: &rng)
    let textProjection = Linear(text.hiddenSize, 256, using: &rng)
    let trainable = Trainable(vision: vision, imageProjection: imageProjection, textProjection: textProjection)
    let optimizer = AdamW(trainable, learningRate: 3e-5, weightDecay: 1e-3)
    let objective = AlignmentObjective.prima()
    var data = RandomGenerator(seed: 1)
    let view1 = Tensor.randomNormal([batch, 3, 224, 224], using: &data), view2 = Tensor.randomNormal([batch, 3, 224, 224], using: &data)
    let ids = Tensor.randomInt([batch, tokens], in: 0..<vocabularySize(text), using: &data)
    let words = Tensor(shape: [batch, tokens], scalars: (0..<(batch * tokens)).map { i in i % tokens == 0 || i % tokens == tokens - 1 ? 0 : 1 })
    let vectors = Tensor(shape: [batch, 64], scalars: (0..<(batch * 64)).map { _ in data.nextUniform() < 0.2 ? 1 : 0 })
    func image(_ pixels: Tensor) -> ImageFeatures {
        let raw = vision.encodeImages(pixels)
        return ImageFeatures(global: imageProjection(raw.global), tokens: raw.tokens.map { imageProjection($0) }, grid: raw.grid)
    }
    for _ in 0..<2 {
        let raw = noGrad { text(ids) }
        let projected = TextFeatures(cls: textProjection(raw.cls), tokens: textProjection(raw.tokens), mask: raw.mask, wordMask: words)
        let inputs = AlignmentInputs(view1: image(view1), view2: image(view2), text: projected, metadataVectors: vectors,
                                     temperature: Tensor(Float(0.07)))
        try objective.evaluate(inputs).total.backward()
        optimizer.step()
        optimizer.zeroGrad()
    }
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "write" {
    guard arguments.count == 4, let dtype = ["f32": SafeTensorsDType.f32, "bf16": .bf16][arguments[3]] else {
        fail("usage: write <folder> <vits16|modernbert-base|minilm> <f32|bf16>")
    }
    try write(URL(fileURLWithPath: arguments[1], isDirectory: true), model: arguments[2], dtype: dtype)
    exit(0)
}
guard let flag = arguments.firstIndex(of: "--frozen-weights"), flag + 1 < arguments.count,
      let precision = WeightPrecision(optionName: arguments[flag + 1]) else { fail("--frozen-weights f32|bf16 is required") }
arguments.removeSubrange(flag ... flag + 1)
guard let row = arguments.first else { fail("no row given") }
let folders = arguments.dropFirst().map { URL(fileURLWithPath: $0, isDirectory: true) }
func folder(_ i: Int) -> URL {
    guard i < folders.count else { fail("\(row) needs \(i + 1) folder(s)") }
    return folders[i]
}

let start = seconds()
switch row {
case "load-vision":
    let model = try DINOv3Model(contentsOf: folder(0), frozenWeights: precision)
    print("parameters: \(model.parameterByteCount / 1_048_576) MiB as stored")
case "load-text":
    let encoder = try textEncoder(folder(0), precision)
    print("parameters: \(encoder.parameterByteCount / 1_048_576) MiB as stored")
case "load-text-dictionary":
    // What the text-encoder loader did before it read tensor by tensor: every tensor of the file in one float32
    // dictionary (a second copy of the model), then copied into the model.
    let architecture = try TextEncoderArchitecture.read(from: folder(0))
    var unused = RandomGenerator(seed: 0)
    let backbone = architecture.makeBackbone(using: &unused)
    let file = try SafeTensorsFile(contentsOf: folder(0).appendingPathComponent("model.safetensors"))
    try backbone.loadStateDict(try file.tensors(), strict: true)
    print("parameters: \(backbone.parameterByteCount / 1_048_576) MiB as stored")
case "vits16-inference":
    let model = try DINOv3Model(contentsOf: folder(0), frozenWeights: precision)
    var rng = RandomGenerator(seed: 1)
    let pixels = Tensor.randomNormal([8, 3, 224, 224], using: &rng)
    for _ in 0..<2 { _ = noGrad { model(pixels) } }
case "modernbert-inference":
    let encoder = try textEncoder(folder(0), precision)
    encoder.eval()
    var rng = RandomGenerator(seed: 1)
    let ids = Tensor.randomInt([8, 128], in: 0..<vocabularySize(encoder), using: &rng)
    for _ in 0..<2 { _ = noGrad { encoder(ids) } }
case "align-step":
    let vision = try DINOv3Model(contentsOf: folder(0), frozenWeights: precision)
    let text = try textEncoder(folder(1), precision)
    text.eval()
    try alignStep(vision: vision, text: text)
default:
    fail("unknown row \(row)")
}
print(String(format: "%@ (%@): %.1f s wall-clock", row, precision.optionName, seconds() - start))
