import Foundation
import PRIMAFusion
import PRIMAText
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing

/// Qwen3ForCausalLM against transformers on tiny checkpoints (GQA ratio 2, head_dim ≠ hidden / heads).
@Suite struct Qwen3ParityTests {
    /// Left-padded rows: transformers' outputs at the leading pads are implementation-defined (queries that
    /// see no key), so only real tokens are compared there; right-padded rows are compared everywhere.
    @Test(arguments: ["untied_right_padding", "untied_left_padding", "untied_left_padding_positions",
                      "tied_right_padding", "tied_left_padding", "sliding_right_padding", "bf16_right_padding"])
    func logitsMatchTransformers(caseName: String) throws {
        let c = Qwen3Fixtures.file.named(caseName)
        let model = try Qwen3Fixtures.model(c.param("folder").string)
        let mask = c.input("attention_mask")
        let positions = c.inputs["position_ids"]?.tensor
        let out = noGrad { model(tokenIDs: c.input("input_ids"), attentionMask: mask, positionIDs: positions) }
        let compared = caseName.contains("left") ? mask : Tensor.ones(mask.shape)
        let logitsError = Qwen3Fixtures.maxErrorAtTokens(out.logits!, c.output("logits"), mask: compared)
        let hiddenError = Qwen3Fixtures.maxErrorAtTokens(out.hiddenStates, c.output("hidden"), mask: compared)
        #expect(logitsError < Tolerance.modelForward, "\(caseName): logits error \(logitsError)")
        #expect(hiddenError < Tolerance.modelForward, "\(caseName): hidden-state error \(hiddenError)")
        print("\(caseName): logits error \(logitsError), hidden-state error \(hiddenError)")
    }

    @Test(arguments: ["untied_right_padding", "untied_left_padding", "tied_right_padding", "tied_left_padding"])
    func gradientsMatchTransformers(caseName: String) throws {
        let c = Qwen3Fixtures.file.named(caseName)
        let folder = c.param("folder").string
        let model = try Qwen3Fixtures.model(folder)
        let reference = try SafeTensorsFile(contentsOf: Qwen3Fixtures.folder(folder).appendingPathComponent("grads_\(caseName).safetensors"))
        let ids = c.input("input_ids"), mask = c.input("attention_mask")
        let weights = try reference.tensor("probe") * mask.reshaped(mask.shape + [1])
        func loss(_ out: Qwen3Output) -> Tensor { (out.logits! * weights).sum() }

        loss(model(tokenIDs: ids, attentionMask: mask)).backward()
        var checked = 0, worst: Float = 0
        for (key, parameter) in model.namedParameters() {
            let error = Qwen3Fixtures.maxErrorRelativeToScale(try #require(parameter.grad, "\(key) has no gradient"), try reference.tensor(key))
            #expect(error < Tolerance.modelGradient, "\(caseName): gradient of \(key) off by \(error)")
            worst = max(worst, error)
            checked += 1
        }
        #expect(checked == reference.keys.count - 2)
        print("\(caseName): largest parameter-gradient error \(worst) of scale")

        let embeddings = noGrad { model.embed(ids) }.requiringGrad()
        loss(model(inputEmbeddings: embeddings, attentionMask: mask)).backward()
        let error = Qwen3Fixtures.maxErrorRelativeToScale(try #require(embeddings.grad), try reference.tensor("inputs_embeds"))
        #expect(error < Tolerance.modelGradient, "\(caseName): input-embedding gradient off by \(error)")
    }

    @Test(arguments: ["untied", "tied"])
    func greedyGenerationMatchesTransformers(name: String) throws {
        let c = Qwen3Fixtures.file.named("\(name)_generate")
        let model = try Qwen3Fixtures.model(c.param("folder").string)
        let ids = c.input("prompt_ids"), mask = c.input("prompt_mask")
        let (b, width) = (ids.shape[0], ids.shape[1])
        let prompts = (0..<b).map { i in (0..<width).filter { mask[i, $0] != 0 }.map { Int(ids[i, $0]) } }
        let single = c.output("single"), batched = c.output("batched")
        func row(_ t: Tensor, _ i: Int) -> [Int] { (0..<t.shape[1]).map { Int(t[i, $0]) } }
        for (i, prompt) in prompts.enumerated() {
            #expect(model.generate(prompts: [prompt])[0] == row(single, i), "\(name): prompt \(i) alone")
        }
        let together = model.generate(prompts: prompts)
        for i in 0..<b { #expect(together[i] == row(batched, i), "\(name): prompt \(i) in the left-padded batch") }
    }
}

/// Text in, text out through the Qwen3 byte-level BPE tokenizer of PRIMAText.
@Suite struct Qwen3TextGenerationTests {
    @Test func greedyTextMatchesTransformers() throws {
        let c = Qwen3Fixtures.file.named("text_generate_text")
        let folder = Qwen3Fixtures.folder(c.param("folder").string)
        let model = try Qwen3ForCausalLM(contentsOf: folder)
        let tokenizer = try Tokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        let prompts = c.param("prompts").list.map(\.string), texts = c.param("texts").list.map(\.string)
        let expected = c.output("ids")
        let generated = model.generate(texts: prompts, tokenizer: tokenizer, options: GenerationOptions(maxNewTokens: 24))
        for (i, result) in generated.enumerated() {
            #expect(result.tokenIDs == (0..<expected.shape[1]).map { Int(expected[i, $0]) }, "prompt \(i) ids")
            #expect(result.text == texts[i], "prompt \(i) text")
        }
    }
}
