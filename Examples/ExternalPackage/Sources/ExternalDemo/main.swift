// Uses PRIMA-Swift as another package would: tensors with autodiff, a text encoder loaded from a Hugging Face
// folder, tokenization, a parameter looked up by its checkpoint key, bf16 mixed precision, tensor memory, and the evaluation metrics.
// Usage: external-demo <checkpoint folder with config.json, model.safetensors and tokenizer.json>
import Foundation
import PRIMAData
import PRIMANN
import PRIMATensor
import PRIMAText

struct DemoFailure: Error, CustomStringConvertible { let description: String }

func check(_ condition: Bool, _ message: String) throws {
    if !condition { throw DemoFailure(description: message) }
}

func run() throws {
    // 1. A tensor and reverse-mode autodiff.
    var rng = RandomGenerator(seed: 0)
    let x = Tensor.randomNormal([8, 16], using: &rng).requiringGrad()
    let loss = x.gelu().pow(2).mean()
    loss.backward()
    try check(x.grad?.shape == [8, 16], "no gradient of shape [8, 16]")
    print("autodiff: loss \(loss.item), gradient \(x.grad!.shape)")

    // 2. A text encoder from a checkpoint folder (evaluation mode), and one of its weights by checkpoint key.
    guard CommandLine.arguments.count == 2 else { throw DemoFailure(description: "usage: external-demo <checkpoint folder>") }
    let folder = URL(fileURLWithPath: CommandLine.arguments[1])
    let encoder = try TextEncoder(contentsOf: folder)
    try check(!encoder.isTraining, "the loaded encoder is in training mode")
    let embedding = try encoder.parameter(forKey: "embeddings.word_embeddings.weight")
    print("encoder: hidden size \(encoder.hiddenSize), word embeddings \(embedding.shape)")

    // 3. Tokenization and features.
    let texts = ["Lesion on the forearm, bleeding.", "Age 55, smoker."]
    let (ids, mask) = try encoder.tokenize(texts)
    let features = noGrad { encoder(ids, mask: mask) }
    try check(features.cls.shape == [2, encoder.hiddenSize], "CLS features of shape \(features.cls.shape)")
    print("tokens: \(ids.shape), CLS features \(features.cls.shape)")

    // 4. Mixed precision, as autocast: every Linear's products in bf16 inside a scope (Float32 accumulation).
    let rounded = withLinearProducts(.bfloat16) { noGrad { encoder(ids, mask: mask) } }
    let scale = features.cls.scalars.map(abs).max() ?? 1
    let difference = zip(rounded.cls.scalars, features.cls.scalars).map { abs($0 - $1) }.max()! / scale
    try check(difference > 0 && difference < 0.05, "bf16 products moved the CLS features by \(difference) of their scale")
    encoder.freeze()
    let stored = encoder.storeFrozenWeights(as: .bfloat16)   // half the frozen Linear weights' bytes
    try check(stored > 0, "no frozen Linear weight was stored in bf16")
    print(String(format: "bf16: products within %.4f of Float32, weights stored in %d bytes", difference, encoder.parameterByteCount))

    // 5. Tensor memory: the buffer pool's counters, a tighter cache bound, and the cache handed back.
    try TensorMemory.setCacheHeadroom(0.1)
    let activations = Tensor.zeros([512, 512])   // 1 MiB: a pool buffer (256 KiB and more)
    let usage = TensorMemory.usage
    try check(usage.liveBytes >= activations.count * 4, "a 1 MiB tensor is not counted as live: \(usage)")
    try check(usage.liveBytes + usage.cachedBytes <= usage.mappedBoundBytes, "the pool maps more than its bound: \(usage)")
    TensorMemory.releaseCachedBuffers()
    try check(TensorMemory.usage.cachedBytes == 0, "cached buffers left after releaseCachedBuffers()")
    print("memory: \(usage.liveBytes >> 10) KiB in large buffers, bound \(usage.mappedBoundBytes >> 10) KiB, cache released")

    // 6. Metrics.
    let report = try ClassificationReport(labels: [0, 1, 2, 1, 0], predictions: [0, 1, 1, 1, 2], numClasses: 3)
    let auc = try ROCAUC.binary(positives: [false, true, true, false], scores: Tensor([0.1, 0.8, 0.6, 0.3]))
    try check(auc == 1, "AUC \(String(describing: auc)) of perfectly ranked scores")
    print(String(format: "metrics: macro F1 %.3f, weighted F1 %.3f, AUC %.2f", report.macroF1, report.weightedF1, auc!))
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("external-demo: \(error)\n".utf8))
    exit(1)
}
