import Foundation
import PRIMATensor

/// How ``Qwen3ForCausalLM/generate(prompts:options:)`` picks tokens and when it stops.
public struct GenerationOptions: Sendable, Equatable {
    /// How the next token is chosen from the logits.
    public enum Strategy: Sendable, Equatable {
        /// The most likely token (the lowest id among ties), as transformers' greedy search.
        case greedy
        /// A draw from `softmax(logits / temperature)` restricted, in this order, to the `topK` most likely
        /// tokens and then to the smallest set of most likely tokens whose probability reaches `topP`
        /// (the order of transformers' logits warpers). `nil` disables a filter.
        case sample(temperature: Float = 1, topK: Int? = nil, topP: Float? = nil)
    }

    /// The most tokens generated per sequence (the token budget).
    public var maxNewTokens: Int
    /// Token choice.
    public var strategy: Strategy
    /// A sequence ends after producing one of these (the stop token is included in its output).
    public var stopTokens: Set<Int>
    /// Seed of the sampling generator: the same seed gives the same tokens.
    public var seed: UInt64

    /// Options; by default greedy decoding of up to 32 tokens with no stop token.
    public init(maxNewTokens: Int = 32, strategy: Strategy = .greedy, stopTokens: Set<Int> = [], seed: UInt64 = 0) {
        self.maxNewTokens = maxNewTokens
        self.strategy = strategy
        self.stopTokens = stopTokens
        self.seed = seed
    }
}

extension Qwen3ForCausalLM {
    /// Generates continuations of `prompts` (token ids, any lengths) with a KV cache.
    ///
    /// The prompts run as one batch, left-padded, with positions counted from each prompt's first token
    /// (as transformers' `generate` does); then one token per step per sequence until every sequence has
    /// stopped or the budget is spent.
    /// - Returns: the new tokens of each prompt (up to and including its stop token).
    public func generate(prompts: [[Int]], options: GenerationOptions = GenerationOptions()) -> [[Int]] {
        precondition(!prompts.isEmpty && prompts.allSatisfy { !$0.isEmpty }, "generate needs non-empty prompts")
        precondition(options.maxNewTokens >= 0, "negative token budget \(options.maxNewTokens)")
        return noGrad {
            let batch = prompts.count, width = prompts.map(\.count).max()!
            var ids = [Float](repeating: 0, count: batch * width), mask = [Float](repeating: 0, count: batch * width)
            for (row, prompt) in prompts.enumerated() {
                let offset = row * width + width - prompt.count
                for (j, token) in prompt.enumerated() {
                    precondition(token >= 0 && token < config.vocabSize, "token \(token) outside the vocabulary of \(config.vocabSize)")
                    ids[offset + j] = Float(token)
                    mask[offset + j] = 1
                }
            }
            let promptMask = Tensor(shape: [batch, width], scalars: mask)
            let cache = Qwen3KVCache(config: config, batch: batch, capacity: width + max(options.maxNewTokens, 1))
            var logits = self(tokenIDs: Tensor(shape: [batch, width], scalars: ids), attentionMask: promptMask,
                              positionIDs: Self.positionIDs(attentionMask: promptMask), cache: cache,
                              logits: .lastToken).logits!
            var nextPosition = prompts.map { Float($0.count) }
            var outputs = [[Int]](repeating: [], count: batch)
            var finished = [Bool](repeating: false, count: batch)
            var sampler = TokenSampler(strategy: options.strategy, seed: options.seed)
            for step in 0..<options.maxNewTokens {
                let chosen = sampler.next(logits: logits)
                for row in 0..<batch where !finished[row] {
                    outputs[row].append(chosen[row])
                    if options.stopTokens.contains(chosen[row]) { finished[row] = true }
                }
                if finished.allSatisfy({ $0 }) || step == options.maxNewTokens - 1 { break }
                // Finished rows keep decoding their last token; their outputs are no longer read.
                let tokens = Tensor(shape: [batch, 1], scalars: (0..<batch).map { Float(outputs[$0].last!) })
                logits = self(tokenIDs: tokens, positionIDs: Tensor(shape: [batch, 1], scalars: nextPosition),
                              cache: cache, logits: .lastToken).logits!
                for row in 0..<batch { nextPosition[row] += 1 }
            }
            return outputs
        }
    }
}

/// Picks one token per row of `[B, V]` logits with a ``GenerationOptions/Strategy``.
public struct TokenSampler: Sendable {
    /// The rule applied to each row.
    public let strategy: GenerationOptions.Strategy
    private var rng: RandomGenerator

    /// A sampler drawing from a generator seeded with `seed`.
    public init(strategy: GenerationOptions.Strategy, seed: UInt64) {
        if case .sample(let temperature, let topK, let topP) = strategy {
            precondition(temperature > 0, "sampling temperature must be positive, got \(temperature)")
            precondition(topK.map { $0 > 0 } ?? true, "top-k must be positive")
            precondition(topP.map { $0 > 0 && $0 <= 1 } ?? true, "top-p must be in (0, 1]")
        }
        self.strategy = strategy
        self.rng = RandomGenerator(seed: seed)
    }

    /// One token id per row of `logits` `[B, V]`.
    public mutating func next(logits: Tensor) -> [Int] {
        precondition(logits.rank == 2, "sampler expects [B, V] logits, got \(logits.shape)")
        let (rows, vocabulary) = (logits.shape[0], logits.shape[1])
        return logits.withUnsafeBuffer { buffer in
            (0..<rows).map { row in
                let values = UnsafeBufferPointer(rebasing: buffer[(row * vocabulary)..<((row + 1) * vocabulary)])
                switch strategy {
                case .greedy: return Self.argmax(values)
                case .sample(let temperature, let topK, let topP):
                    return draw(values, temperature: temperature, topK: topK, topP: topP)
                }
            }
        }
    }

    private static func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in 1..<values.count where values[i] > values[best] { best = i }
        return best
    }

    private mutating func draw(_ values: UnsafeBufferPointer<Float>, temperature: Float, topK: Int?, topP: Float?) -> Int {
        // Candidates sorted by decreasing logit (ties by id), then cut by top-k and top-p.
        var order = Array(0..<values.count)
        order.sort { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var keep = order.count
        if let topK, topK < keep {
            // As transformers: every token scoring at least the k-th score stays.
            let threshold = values[order[topK - 1]]
            keep = topK
            while keep < order.count && values[order[keep]] >= threshold { keep += 1 }
        }
        let maximum = values[order[0]] / temperature
        var probabilities = order[..<keep].map { Foundation.exp(Double(values[$0] / temperature - maximum)) }
        var total = probabilities.reduce(0, +)
        if let topP, topP < 1 {
            var cumulative = 0.0, cut = 0
            while cut < keep {
                cumulative += probabilities[cut] / total
                cut += 1
                if cumulative >= Double(topP) { break }
            }
            probabilities.removeLast(keep - cut)
            keep = cut
            total = probabilities.reduce(0, +)
        }
        var u = rng.nextDouble() * total
        for i in 0..<keep {
            u -= probabilities[i]
            if u < 0 { return order[i] }
        }
        return order[keep - 1]
    }
}
