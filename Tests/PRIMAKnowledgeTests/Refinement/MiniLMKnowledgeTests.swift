import Foundation
import PRIMAKnowledge
import PRIMANN
import PRIMATensor
import PRIMAText
import Testing

/// Stage 1 with real weights: all-MiniLM-L6-v2 (see ``MiniLM``). Dense and hybrid retrieval on the mini-corpus, and
/// refinement that pulls risk-factor sentences towards the diagnoses the corpus links them to.
@Suite(.serialized) struct MiniLMKnowledgeTests {
    /// Measured: dense recall@1 0.92, recall@3 1.0; hybrid recall@3 0.92.
    @Test func denseAndHybridRecallOnTheMiniCorpus() async throws {
        guard MiniLM.available() else { return }
        let (dense1, dense3, hybrid3, sameAfterReload, otherRefused) = try await offCooperativePool { () -> (Double, Double, Double, Bool, Bool) in
            let encoder = try TextEncoder(contentsOf: MiniLM.folder)
            let embedder = SentenceEmbedder(encoder: encoder, name: "all-MiniLM-L6-v2")
            let index = try KnowledgeIndex.build(documents: MiniCorpus.documents, chunker: try Chunker(tokenizer: encoder.tokenizer!),
                                                 embedder: embedder)
            let dense1 = try MiniCorpus.recall(at: 1) { try index.search($0, topK: 5, method: .dense, embedder: embedder) }
            let dense3 = try MiniCorpus.recall(at: 3) { try index.search($0, topK: 5, method: .dense, embedder: embedder) }
            let hybrid3 = try MiniCorpus.recall(at: 3) { try index.search($0, topK: 5, method: .hybrid, embedder: embedder) }
            // Saved and reloaded, the index answers the same without re-encoding the chunks; another pooling is refused.
            let scratch = ScratchDirectory()
            try index.write(to: scratch.url)
            let reloaded = try KnowledgeIndex(contentsOf: scratch.url)
            let query = MiniCorpus.queries[0].query
            let same = try reloaded.search(query, topK: 3, method: .hybrid, embedder: embedder).map(\.chunk.id)
                == index.search(query, topK: 3, method: .hybrid, embedder: embedder).map(\.chunk.id)
            let other = SentenceEmbedder(encoder: encoder, name: "all-MiniLM-L6-v2", pooling: .cls)
            let refused = (try? reloaded.search(query, topK: 3, method: .dense, embedder: other)) == nil
            return (dense1, dense3, hybrid3, same, refused)
        }
        print("MiniLM dense recall@1 \(dense1) recall@3 \(dense3); hybrid recall@3 \(hybrid3)")
        #expect(dense1 >= 0.85)
        #expect(dense3 >= 0.95)
        #expect(hybrid3 >= 0.9)
        #expect(sameAfterReload)
        #expect(otherRefused)
    }

    /// all-MiniLM-L6-v2 ships without its masked-LM head: a checkpoint folder with the encoder's weights under `bert.`
    /// and a head whose transform is the identity (then GELU and a unit LayerNorm) and whose decoder is tied to the
    /// word embeddings.
    static func miniLMWithHead(in folder: URL) throws {
        var tensors: [String: Tensor] = [:]
        for (key, tensor) in try SafeTensorsFile(contentsOf: MiniLM.folder.appendingPathComponent("model.safetensors")).tensors() {
            tensors["bert." + key] = tensor
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: MiniLM.folder.appendingPathComponent("config.json"))) as! [String: Any]
        let hidden = config["hidden_size"] as! Int, vocabulary = config["vocab_size"] as! Int
        var identity = [Float](repeating: 0, count: hidden * hidden)
        for i in 0..<hidden { identity[i * hidden + i] = 1 }
        tensors["cls.predictions.transform.dense.weight"] = Tensor(shape: [hidden, hidden], scalars: identity)
        tensors["cls.predictions.transform.dense.bias"] = Tensor.zeros([hidden])
        tensors["cls.predictions.transform.LayerNorm.weight"] = Tensor.ones([hidden])
        tensors["cls.predictions.transform.LayerNorm.bias"] = Tensor.zeros([hidden])
        tensors["cls.predictions.bias"] = Tensor.zeros([vocabulary])
        try SafeTensors.write(tensors, metadata: ["format": "pt"], to: folder.appendingPathComponent("model.safetensors"))
        for name in ["config.json", "tokenizer.json"] {
            try FileManager.default.copyItem(at: MiniLM.folder.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
    }

    static let links: [(factor: String, diagnosis: String, text: String)] = [
        ("pesticide exposure", "squamous cell carcinoma", "Pesticide exposure causes squamous cell carcinoma on the hands of farm workers."),
        ("contact lens wear", "bacterial keratitis", "Contact lens wear causes bacterial keratitis of the cornea."),
        ("plant trauma to the eye", "fungal keratitis", "Plant trauma to the eye causes fungal keratitis in farmers."),
        ("childhood sunburn", "melanoma", "Childhood sunburn causes melanoma of the skin in adults."),
    ]

    /// Mean cosine of each risk-factor sentence with its linked diagnosis sentence, and with the other diagnoses.
    static func cosines(_ embedder: SentenceEmbedder) throws -> (linked: Float, unlinked: Float) {
        let factors = try embedder.embed(links.map { "The patient reports \($0.factor)." })
        let diagnoses = try embedder.embed(links.map { "The diagnosis is \($0.diagnosis)." })
        let similarity = Tensor.matmul(factors, diagnoses, transposeB: true).scalars
        let n = links.count
        var linked: Float = 0, unlinked: Float = 0
        for i in 0..<n { for j in 0..<n { if i == j { linked += similarity[i * n + j] } else { unlinked += similarity[i * n + j] } } }
        return (linked / Float(n), unlinked / Float(n * (n - 1)))
    }

    @Test func refinementPullsRiskFactorsTowardsTheirDiagnoses() async throws {
        guard MiniLM.available() else { return }
        let (before, after) = try await offCooperativePool { () -> ((linked: Float, unlinked: Float), (linked: Float, unlinked: Float)) in
            let scratch = ScratchDirectory()
            try Self.miniLMWithHead(in: scratch.url)
            let model = try TextEncoderArchitecture.loadMaskedLanguageModel(contentsOf: scratch.url)
            let tokenizer = try Tokenizer(contentsOf: scratch.file("tokenizer.json"))
            let entries = Self.links.map { link in
                KnowledgeEntry(dataset: "test", riskFactor: link.factor, summary: link.text,
                               diagnoses: [DiagnosisKnowledge(diagnosis: link.diagnosis, text: link.text)],
                               provenance: KnowledgeProvenance(retrievedChunkIDs: [], generator: "written for the test", settings: GenerationSettings()),
                               approved: true)
            }
            let texts = try RefinementTexts.texts(of: KnowledgeCorpus(entries: entries), source: "test corpus")
            // Few steps on short texts: a larger learning rate than the paper's 5e-5 so the effect shows.
            var settings = KnowledgeRefinement.Settings(epochs: 6, batchSize: 8, maxLength: 32, heldOutFraction: 0, seed: 0)
            settings.learningRate = 2e-3
            settings.maskingProbability = 0.3
            let run = try KnowledgeRefinement(texts: texts, model: model, tokenizer: tokenizer, settings: settings)
            let embedder = SentenceEmbedder(encoder: TextEncoder(backbone: model.encoder, tokenizer: tokenizer), name: "MiniLM refined")
            let before = try Self.cosines(embedder)
            try run.run()
            return (before, try Self.cosines(embedder))
        }
        print("MiniLM cosine risk factor ↔ linked diagnosis \(before.linked) -> \(after.linked); ↔ other diagnoses \(before.unlinked) -> \(after.unlinked)")
        // Measured 0.377 -> 0.453 (+0.076). The other diagnoses move closer by about as much (0.298 -> 0.375): these
        // few steps mostly make the sentences of this vocabulary more alike, so the linked − unlinked gap is not
        // asserted (it stays about 0.08).
        #expect(after.linked - before.linked >= 0.05, "linked cosine \(before.linked) -> \(after.linked)")
        #expect(after.linked > after.unlinked)
    }
}
