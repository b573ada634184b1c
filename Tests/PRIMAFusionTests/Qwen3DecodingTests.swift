import Foundation
import PRIMAFusion
import PRIMATensor
import PRIMATestSupport
import Testing

/// The KV cache and the samplers.
@Suite struct Qwen3DecodingTests {
    /// Feeding a padded batch in chunks through the cache gives the logits of one full forward pass with
    /// the same positions (left padding, and a sliding window shorter than the sequence).
    @Test(arguments: ["qwen3_untied", "qwen3_sliding"])
    func cachedChunksMatchTheFullForward(folder: String) throws {
        let model = try Qwen3Fixtures.model(folder)
        let (b, l) = (2, 9)
        var rng = RandomGenerator(seed: 3)
        let ids = Tensor.randomInt([b, l], in: 0..<model.config.vocabSize, using: &rng)
        let mask = Tensor(shape: [b, l], scalars: [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1])
        let positions = Qwen3ForCausalLM.positionIDs(attentionMask: mask)
        let full = noGrad { model(tokenIDs: ids, attentionMask: mask, positionIDs: positions).logits! }
        let cache = Qwen3KVCache(config: model.config, batch: b, capacity: 16)
        var pieces: [Tensor] = []
        var start = 0
        for length in [4, 1, 3, 1] {
            let slice = { (t: Tensor) in t.narrowed(axis: 1, start: start, length: length) }
            pieces.append(noGrad {
                model(tokenIDs: slice(ids), attentionMask: slice(mask), positionIDs: slice(positions), cache: cache).logits!
            })
            start += length
        }
        #expect(cache.length == l)
        let chunked = Tensor.concat(pieces, axis: 1)
        let error = Qwen3Fixtures.maxErrorAtTokens(chunked, full, mask: mask)
        #expect(error < Tolerance.modelForward, "cached vs full forward: \(error)")
    }

    @Test func lastTokenLogitsAreTheLastRealPosition() throws {
        let model = try Qwen3Fixtures.model("qwen3_tied")
        let ids = Tensor(shape: [2, 5], scalars: [5, 6, 7, 8, 9, 10, 11, 12, 0, 0])
        let mask = Tensor(shape: [2, 5], scalars: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
        let (all, last) = noGrad {
            (model(tokenIDs: ids, attentionMask: mask).logits!, model(tokenIDs: ids, attentionMask: mask, logits: .lastToken).logits!)
        }
        #expect(last.shape == [2, model.config.vocabSize])
        let v = model.config.vocabSize
        // The head runs on 2 rows instead of 10: another GEMM shape, so OpenBLAS may round differently (seen: 1e-7).
        let rowError = { (lastRow: Int, allRow: Int) -> Float in
            zip(last.scalars[(lastRow * v)..<((lastRow + 1) * v)], all.scalars[(allRow * v)..<((allRow + 1) * v)])
                .map { abs($0 - $1) }.max() ?? .infinity
        }
        #expect(rowError(0, 4) < Tolerance.modelForward)
        #expect(rowError(1, 7) < Tolerance.modelForward)
        #expect(model(tokenIDs: ids, logits: .none).logits == nil)
    }

    @Test func samplingIsSeededAndRespectsItsFilters() throws {
        let model = try Qwen3Fixtures.model("qwen3_untied")
        let prompts = [[1, 2, 3], [4, 5]]
        let greedy = model.generate(prompts: prompts, options: GenerationOptions(maxNewTokens: 8))
        let topOne = model.generate(prompts: prompts, options: GenerationOptions(maxNewTokens: 8, strategy: .sample(topK: 1), seed: 5))
        let tinyTopP = model.generate(prompts: prompts, options: GenerationOptions(maxNewTokens: 8, strategy: .sample(topP: 1e-6), seed: 5))
        #expect(topOne == greedy && tinyTopP == greedy)

        let hot = GenerationOptions(maxNewTokens: 12, strategy: .sample(temperature: 2), seed: 9)
        let first = model.generate(prompts: prompts, options: hot)
        #expect(model.generate(prompts: prompts, options: hot) == first)
        var other = hot
        other.seed = 10
        #expect(model.generate(prompts: prompts, options: other) != first)
        #expect(first != greedy)

        // A draw from the top 3 is always one of the 3 largest logits.
        var sampler = TokenSampler(strategy: .sample(temperature: 5, topK: 3), seed: 1)
        let logits = Tensor(shape: [1, 6], scalars: [0.5, 3, -1, 2.5, 2.9, 0])
        let drawn = Set((0..<200).map { _ in sampler.next(logits: logits)[0] })
        #expect(drawn == [1, 3, 4])
        // top-p 0.5 of probabilities (0.6, 0.3, 0.1) keeps the first token only.
        var nucleus = TokenSampler(strategy: .sample(topP: 0.5), seed: 2)
        let p = Tensor(shape: [1, 3], scalars: [0.6, 0.3, 0.1].map { Float(Foundation.log($0)) })
        #expect(Set((0..<50).map { _ in nucleus.next(logits: p)[0] }) == [0])
    }

    @Test func stopTokensEndEachSequence() throws {
        let model = try Qwen3Fixtures.model("qwen3_untied")
        let prompts = [[1, 2, 3], [7, 8, 9, 10]]
        let free = model.generate(prompts: prompts, options: GenerationOptions(maxNewTokens: 10))
        let stop = free[0][2]
        let stopped = model.generate(prompts: prompts, options: GenerationOptions(maxNewTokens: 10, stopTokens: [stop]))
        let firstStop = free[0].firstIndex(of: stop)!
        #expect(stopped[0] == Array(free[0][...firstStop]))
        let cut1 = free[1].firstIndex(of: stop).map { Array(free[1][...$0]) } ?? free[1]
        #expect(stopped[1] == cut1)
        #expect(free.allSatisfy { $0.count == 10 })
    }
}
