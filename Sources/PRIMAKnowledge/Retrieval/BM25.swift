import PRIMAText

/// Okapi BM25 over chunk texts, computed exactly as `rank-bm25`'s `BM25Okapi` (version 0.2.2) does, so that
/// scores can be checked against it.
///
/// For a query of terms q (repeats count again) and a chunk d of |d| terms, with avgdl the mean chunk length:
///
///     score(d) = Σ_q idf(q) · f(q, d) · (k1 + 1) / (f(q, d) + k1 · (1 − b + b · |d| / avgdl))
///
/// where f(q, d) is how often q occurs in d. The IDF is the ATIRE/Robertson form
/// `idf(t) = ln(N − n(t) + 0.5) − ln(n(t) + 0.5)` (N chunks, n(t) of them containing t); a term in more than half of
/// the chunks would get a negative IDF, which is replaced by the floor `ε · mean idf` (mean over all terms before
/// the floor). Terms not in the index contribute 0. Defaults are `rank-bm25`'s: k1 = 1.5, b = 0.75, ε = 0.25.
///
/// Terms come from ``terms(in:)``: the lower-cased runs of letters and digits (BERT's pre-tokeniser without the
/// punctuation), no stemming and no stop-word list.
public struct BM25: Sendable {
    /// Term-frequency saturation.
    public let k1: Double
    /// Length normalisation (0 none, 1 full).
    public let b: Double
    /// The IDF floor, as a fraction of the mean IDF, for terms in more than half of the chunks.
    public let epsilon: Double
    /// The number of terms in each chunk.
    public let lengths: [Int]
    /// The mean chunk length avgdl.
    public let averageLength: Double
    /// The IDF of every indexed term.
    public let idf: [String: Double]
    /// Term frequencies of each chunk.
    private let frequencies: [[String: Int]]

    /// Indexes chunks given as term lists.
    /// - Precondition: at least one chunk.
    public init(termLists: [[String]], k1: Double = 1.5, b: Double = 0.75, epsilon: Double = 0.25) {
        precondition(!termLists.isEmpty, "BM25 needs at least one chunk")
        self.k1 = k1
        self.b = b
        self.epsilon = epsilon
        lengths = termLists.map(\.count)
        averageLength = Double(lengths.reduce(0, +)) / Double(termLists.count)
        frequencies = termLists.map { terms in terms.reduce(into: [:]) { $0[$1, default: 0] += 1 } }
        var documentFrequency: [String: Int] = [:]
        for counts in frequencies { for term in counts.keys { documentFrequency[term, default: 0] += 1 } }
        let n = Double(termLists.count)
        var idf = documentFrequency.mapValues { log(n - Double($0) + 0.5) - log(Double($0) + 0.5) }
        let floor = epsilon * idf.values.reduce(0, +) / Double(max(1, idf.count))
        for (term, value) in idf where value < 0 { idf[term] = floor }
        self.idf = idf
    }

    /// Indexes chunk texts through ``terms(in:)``.
    public init(texts: [String], k1: Double = 1.5, b: Double = 0.75, epsilon: Double = 0.25) {
        self.init(termLists: texts.map(Self.terms(in:)), k1: k1, b: b, epsilon: epsilon)
    }

    /// The number of chunks indexed.
    public var count: Int { lengths.count }

    /// The score of every chunk for a query given as terms.
    public func scores(queryTerms: [String]) -> [Double] {
        var scores = [Double](repeating: 0, count: count)
        for term in queryTerms {
            guard let weight = idf[term], weight != 0 else { continue }
            for (index, counts) in frequencies.enumerated() {
                guard let f = counts[term] else { continue }
                let frequency = Double(f)
                let norm = k1 * (1 - b + b * Double(lengths[index]) / averageLength)
                scores[index] += weight * frequency * (k1 + 1) / (frequency + norm)
            }
        }
        return scores
    }

    /// The score of every chunk for a query text.
    public func scores(query: String) -> [Double] { scores(queryTerms: Self.terms(in: query)) }

    /// The BM25 terms of a text: lower-cased runs of letters and digits.
    public static func terms(in text: String) -> [String] {
        CorpusTokenizer.words(in: text).filter { word in word.unicodeScalars.contains { CharacterSet.alphanumerics.contains($0) } }
    }
}

import Foundation
