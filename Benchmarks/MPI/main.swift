// prima-mpi-bench: data-parallel scaling of one PRIMA stage-2 step (Benchmarks/mpi-scaling.sh runs it on 1 and 2
// ranks). DINOv3 (random weights, frozen) with rank-32 LoRA on q/k/v/o encodes two 224×224 views of each sample of
// a global batch; the frozen MiniLM-shaped BERT's features of each text are cached, as the trainer does; projection
// heads into a 256-wide space; PRIMA's four losses over the all-gathered batch; backward; the gradients averaged
// over the ranks; clipping; AdamW. Each rank encodes its slice of the batch.
//
//   mpirun -np N prima-mpi-bench [vits16|vitb16] [global batch] [timed steps]
// Rank 0 prints one tab-separated line: model, ranks, batch, median step seconds (wall clock), median CPU seconds
// of one rank's step (robust when other processes share the cores), median gradient all-reduce seconds,
// trainable floats, gradient bytes and all-gathered feature bytes per step.
import Foundation
import PRIMAAlign
import PRIMADistributed
import PRIMANN
import PRIMATensor
import PRIMAText
import PRIMAVision

let arguments = Array(CommandLine.arguments.dropFirst())
let modelName = arguments.first ?? "vits16"
let batch = arguments.count > 1 ? Int(arguments[1]) ?? 16 : 16
let steps = arguments.count > 2 ? Int(arguments[2]) ?? 3 : 3
let world = try MPICommunicator.world()

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("rank \(world.rank): error: \(message)\n".utf8))
    world.abort(exitCode: 1)
}

guard let visionConfig = ["vits16": DINOv3Config.vitSmall16, "vitb16": .vitBase16][modelName] else { fail("unknown model '\(modelName)' (vits16, vitb16)") }
guard batch >= world.size else { fail("a global batch of \(batch) cannot be split over \(world.size) ranks") }

// 1,000 words; each text is 62 of them, so 64 tokens with [CLS] and [SEP].
var vocabulary = ["[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3]
for i in 0..<1000 { vocabulary["w\(i)"] = vocabulary.count }
let tokenizerFile: [String: Any] = [
    "version": "1.0", "added_tokens": [] as [Any], "normalizer": NSNull(), "pre_tokenizer": ["type": "WhitespaceSplit"],
    "post_processor": ["type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]], "decoder": NSNull(),
    "model": ["type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocabulary],
]
let tokenizer = try Tokenizer(data: JSONSerialization.data(withJSONObject: tokenizerFile, options: [.sortedKeys]), source: "<benchmark vocabulary>")

var rng = RandomGenerator(seed: 0)
let text = TextEncoder(backbone: BERTModel(config: BERTConfig(vocabSize: tokenizer.vocabularySize, hiddenSize: 384, numHiddenLayers: 6,
                                                              numAttentionHeads: 12, intermediateSize: 1536), pooler: false, using: &rng),
                       tokenizer: tokenizer)
let model = try AlignmentModel(imageEncoder: DINOv3Model(config: visionConfig, using: &rng), metadataEncoder: text,
                               configuration: AlignmentModelConfiguration(sharedWidth: 256), using: &rng)
try StageTwoSetup.prepare(model, image: .lora(.dinov3()), using: &rng)
model.cachesTextFeatures = true
model.train()
model.metadataEncoder.eval()
try world.broadcast(model.parameters)
let trainable = model.trainableParameters
let optimizer = AdamW(parameters: model.namedParameters().filter { !$0.parameter.isFrozen }, learningRate: 3e-5, weightDecay: 1e-3)
let objective = AlignmentObjective.prima()

var data = RandomGenerator(seed: 1)
let view1 = Tensor.randomNormal([batch, 3, 224, 224], using: &data), view2 = Tensor.randomNormal([batch, 3, 224, 224], using: &data)
let texts = (0..<batch).map { _ in (0..<62).map { _ in "w\(data.nextInt(in: 0..<1000))" }.joined(separator: " ") }
let vectors = Tensor(shape: [batch, 64], scalars: (0..<(batch * 64)).map { _ in data.nextUniform() < 0.2 ? 1 : 0 })
let rows = BatchShard.range(count: batch, rank: world.rank, size: world.size)
func slice(_ t: Tensor) -> Tensor { t.narrowed(axis: 0, start: rows.lowerBound, length: rows.count) }
let (localView1, localView2, localVectors) = (slice(view1), slice(view2), slice(vectors))
let localTexts = Array(texts[rows])

var gatheredBytes = 0
/// This process's CPU seconds so far (all its threads).
func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// One step; returns (wall seconds, CPU seconds, all-reduce seconds).
@MainActor func step() throws -> (Double, Double, Double) {
    try world.barrier()
    let cpuStart = cpuSeconds()
    let start = DispatchTime.now().uptimeNanoseconds
    let local = try model.inputs(view1: localView1, view2: localView2, texts: localTexts, metadataVectors: localVectors)
    let inputs = try local.gathered(over: world)
    gatheredBytes = 4 * ([inputs.view1.global, inputs.view2.global, inputs.text.cls, inputs.text.tokens, inputs.text.mask, inputs.text.wordMask]
        + [inputs.view1.tokens, inputs.view2.tokens, inputs.metadataVectors].compactMap { $0 }).map(\.count).reduce(0, +)
    let value = try objective.evaluate(inputs)
    value.total.backward()
    let reduceStart = DispatchTime.now().uptimeNanoseconds
    try world.averageGradients(of: trainable)
    let reduceEnd = DispatchTime.now().uptimeNanoseconds
    GradientClipping.clipGradNorm(trainable, maxNorm: 1)
    optimizer.step()
    optimizer.zeroGrad()
    let end = DispatchTime.now().uptimeNanoseconds
    return (Double(end - start) / 1e9, cpuSeconds() - cpuStart, Double(reduceEnd - reduceStart) / 1e9)
}

do {
    _ = try step()   // warm-up: caches the texts' features, allocates
    let timed = try (0..<max(1, steps)).map { _ in try step() }
    func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }
    let floats = trainable.map(\.count).reduce(0, +)
    if world.rank == 0 {
        print([modelName, String(world.size), String(batch), String(format: "%.3f", median(timed.map(\.0))),
               String(format: "%.3f", median(timed.map(\.1))), String(format: "%.4f", median(timed.map(\.2))), String(floats), String(4 * floats), String(gatheredBytes)].joined(separator: "\t"))
    }
    try world.barrier()
} catch {
    fail("\(error)")
}
