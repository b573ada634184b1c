import Foundation
import PRIMATensor

/// How a query is matched against the knowledge base.
public enum RetrievalMethod: String, Sendable, Codable, CaseIterable {
    /// Okapi BM25 over words (``BM25``).
    case bm25
    /// Cosine similarity of sentence vectors (``SentenceEmbedder``).
    case dense
    /// Reciprocal-rank fusion of the BM25 and dense rankings (``ReciprocalRankFusion``).
    case hybrid
}

/// One retrieved chunk.
public struct RetrievalHit: Sendable, Equatable {
    /// The chunk.
    public var chunk: KnowledgeChunk
    /// Its score under the method used (BM25 score, cosine, or fused RRF score); higher is better.
    public var score: Double
    /// Its 1-based rank.
    public var rank: Int
}

/// The searchable knowledge base: chunks with their BM25 statistics and, when built with an embedder, their dense
/// vectors. ``write(to:)`` saves it to a folder that ``init(contentsOf:)`` reloads without re-encoding anything.
public struct KnowledgeIndex: @unchecked Sendable {
    /// The chunks, in document order.
    public let chunks: [KnowledgeChunk]
    /// BM25 over the chunk texts (rebuilt from them on load; it takes milliseconds).
    public let bm25: BM25
    /// `[chunks.count, dimension]` unit vectors, nil for a BM25-only index.
    public let embeddings: Tensor?
    /// The ``SentenceEmbedder/identity`` that made ``embeddings``.
    public let embedderIdentity: String?
    /// How the documents were chunked.
    public let chunking: ChunkingSettings
    /// The fusion used by ``RetrievalMethod/hybrid``.
    public var fusion = ReciprocalRankFusion()
    /// How deep each ranking goes into the fusion (default 100 **[ours]**).
    public var fusionDepth = 100

    /// An index of chunks made with `chunking`; `embeddings` (one unit row per chunk) from `embedderIdentity`.
    /// - Throws: ``KnowledgeError`` when there are no chunks, ids repeat, or the embeddings do not fit the chunks.
    public init(chunks: [KnowledgeChunk], chunking: ChunkingSettings, embeddings: Tensor? = nil, embedderIdentity: String? = nil) throws {
        guard !chunks.isEmpty else { throw KnowledgeError("the knowledge index has no chunks") }
        var seen = Set<String>()
        for chunk in chunks where !seen.insert(chunk.id).inserted { throw KnowledgeError("chunk id \"\(chunk.id)\" occurs twice") }
        if let embeddings {
            guard embeddings.rank == 2, embeddings.shape[0] == chunks.count else {
                throw KnowledgeError("the embeddings have shape \(embeddings.shape), expected [\(chunks.count), dimension]")
            }
            guard embedderIdentity != nil else { throw KnowledgeError("embeddings without the identity of their embedder") }
        }
        self.chunks = chunks
        self.chunking = chunking
        self.embeddings = embeddings
        self.embedderIdentity = embeddings == nil ? nil : embedderIdentity
        bm25 = BM25(texts: chunks.map(\.text))
    }

    /// Chunks `documents` with `chunker` and, with an `embedder`, encodes every chunk.
    /// `progress` is called with (chunks encoded, total).
    public static func build(documents: [KnowledgeDocument], chunker: Chunker, embedder: SentenceEmbedder? = nil,
                             progress: ((Int, Int) -> Void)? = nil) throws -> KnowledgeIndex {
        let chunks = chunker.chunks(of: documents)
        let settings = ChunkingSettings(maxTokens: chunker.maxTokens, overlapTokens: chunker.overlapTokens,
                                        tokenizer: chunker.tokenizer.source)
        guard let embedder else { return try KnowledgeIndex(chunks: chunks, chunking: settings) }
        var rows: [Tensor] = []
        let step = max(embedder.batchSize, 1)
        for start in stride(from: 0, to: chunks.count, by: step) {
            let end = min(chunks.count, start + step)
            rows.append(try embedder.embed(chunks[start..<end].map(\.text)))
            progress?(end, chunks.count)
        }
        let embeddings = rows.isEmpty ? nil : Tensor.concat(rows, axis: 0)
        return try KnowledgeIndex(chunks: chunks, chunking: settings, embeddings: embeddings, embedderIdentity: embedder.identity)
    }

    /// The `topK` best chunks for `query`. Dense and hybrid search need the `embedder` the index was built with.
    /// BM25 ranks only chunks sharing a term with the query, so it may return fewer than `topK`.
    /// - Throws: ``KnowledgeError`` when `topK` < 1, or dense search is asked of an index without vectors or with
    ///   another embedder.
    public func search(_ query: String, topK: Int, method: RetrievalMethod = .hybrid, embedder: SentenceEmbedder? = nil) throws -> [RetrievalHit] {
        guard topK >= 1 else { throw KnowledgeError("top-k must be at least 1, got \(topK)") }
        let ranked: [(index: Int, score: Double)]
        switch method {
        case .bm25: ranked = bm25Ranking(query)
        case .dense: ranked = try denseRanking(query, embedder: embedder)
        case .hybrid:
            let lists = [bm25Ranking(query), try denseRanking(query, embedder: embedder)].map { $0.prefix(fusionDepth).map(\.index) }
            ranked = fusion.fuse(lists)
        }
        return ranked.prefix(topK).enumerated().map { RetrievalHit(chunk: chunks[$1.index], score: $1.score, rank: $0 + 1) }
    }

    /// Chunks with a positive BM25 score, best first (ties in chunk order).
    func bm25Ranking(_ query: String) -> [(index: Int, score: Double)] {
        bm25.scores(query: query).enumerated().filter { $0.element > 0 }.map { (index: $0.offset, score: $0.element) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
    }

    /// Every chunk by cosine similarity to the query, best first.
    func denseRanking(_ query: String, embedder: SentenceEmbedder?) throws -> [(index: Int, score: Double)] {
        guard let embeddings, let identity = embedderIdentity else {
            throw KnowledgeError("the index has no dense vectors (build it with a text encoder to use dense or hybrid search)")
        }
        guard let embedder else { throw KnowledgeError("dense search needs the text encoder the index was built with (\(identity))") }
        guard embedder.identity == identity, embedder.dimension == embeddings.shape[1] else {
            throw KnowledgeError("the index was built with \(identity) (dimension \(embeddings.shape[1])), not \(embedder.identity)")
        }
        let queryVector = try embedder.embed([query])
        let similarities = Tensor.matmul(embeddings, queryVector, transposeB: true).scalars
        return similarities.enumerated().map { (index: $0.offset, score: Double($0.element)) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
    }
}

/// How an index's documents were cut into chunks (recorded in the index).
public struct ChunkingSettings: Sendable, Codable, Equatable {
    /// ``Chunker/maxTokens``.
    public var maxTokens: Int
    /// ``Chunker/overlapTokens``.
    public var overlapTokens: Int
    /// The tokenizer that counted the tokens (its source file).
    public var tokenizer: String

    /// Settings as recorded.
    public init(maxTokens: Int, overlapTokens: Int, tokenizer: String) {
        self.maxTokens = maxTokens
        self.overlapTokens = overlapTokens
        self.tokenizer = tokenizer
    }

    private enum CodingKeys: String, CodingKey { case maxTokens = "max_tokens", overlapTokens = "overlap_tokens", tokenizer }
}
