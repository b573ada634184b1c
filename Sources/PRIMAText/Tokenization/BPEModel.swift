import Foundation

/// Byte-pair encoding (`"model": {"type": "BPE"}`): a word starts as its characters and adjacent pairs are
/// merged in the order of the merge list (lowest rank first, leftmost first among equals).
struct BPEModel: Sendable {
    /// Token → id.
    let vocab: Vocabulary
    /// Pair of ids (packed) → its merge rank and the merged token's id.
    private let merges: [UInt64: Merge]
    /// The ids of single-scalar tokens, for words without prefix or suffix handling.
    private let scalarIDs: [Unicode.Scalar: Int]
    private let unknownID: Int?
    private let fuseUnknown: Bool
    private let continuingSubwordPrefix: String?
    private let endOfWordSuffix: String?
    private let ignoreMerges: Bool
    private let cache = WordCache()

    private struct Merge { let rank: Int32; let id: Int32 }

    init(from c: KeyedDecodingContainer<JSONKey>, path: [any CodingKey]) throws {
        vocab = try c.need("vocab", as: Vocabulary.self)
        let mergeList: MergeList = try c.get("merges", default: MergeList(pairs: []))
        let unknownToken: String? = try c.optional("unk_token")
        fuseUnknown = try c.get("fuse_unk", default: false)
        let prefix: String? = try c.optional("continuing_subword_prefix")
        let suffix: String? = try c.optional("end_of_word_suffix")
        continuingSubwordPrefix = prefix?.isEmpty == true ? nil : prefix
        endOfWordSuffix = suffix?.isEmpty == true ? nil : suffix
        ignoreMerges = try c.get("ignore_merges", default: false)
        if try c.get("byte_fallback", default: false) {
            throw c.invalid("byte_fallback", "BPE byte fallback is not supported")
        }
        if let dropout: Double = try c.optional("dropout"), dropout > 0 {
            throw c.invalid("dropout", "BPE dropout is not supported at inference")
        }
        if let unknownToken {
            guard let id = vocab[unknownToken] else {
                throw c.invalid("unk_token", "unknown token \(unknownToken.debugDescription) is not in the vocabulary")
            }
            unknownID = id
        } else {
            unknownID = nil
        }

        var table: [UInt64: Merge] = [:]
        table.reserveCapacity(mergeList.pairs.count)
        for (rank, pair) in mergeList.pairs.enumerated() {
            func fail(_ message: String) -> DecodingError {
                DecodingError.dataCorrupted(.init(codingPath: path + [JSONKey("merges"), JSONKey(intValue: rank)!],
                                                  debugDescription: message))
            }
            guard let a = vocab[pair.0] else { throw fail("merge references unknown token \(pair.0.debugDescription)") }
            guard let b = vocab[pair.1] else { throw fail("merge references unknown token \(pair.1.debugDescription)") }
            let merged = pair.0 + (continuingSubwordPrefix.flatMap { pair.1.droppingScalarPrefix($0) } ?? pair.1)
            guard let id = vocab[merged] else { throw fail("merged token \(merged.debugDescription) is not in the vocabulary") }
            let key = Self.pairKey(a, b)
            if table[key] == nil { table[key] = Merge(rank: Int32(rank), id: Int32(id)) }
        }
        merges = table
        var singles: [Unicode.Scalar: Int] = [:]
        for (token, id) in vocab.entries {
            let scalars = token.unicodeScalars
            if scalars.count == 1 { singles[scalars.first!] = id }
        }
        scalarIDs = singles
    }

    @inline(__always) private static func pairKey(_ a: Int, _ b: Int) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }

    /// Appends the ids of `word`.
    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        guard !word.isEmpty else { return }
        if ignoreMerges, let id = vocab[word.string] { ids.append(id); return }
        if let hit = cache.lookup(word) { ids.append(contentsOf: hit); return }
        let result = mergeWord(word)
        cache.store(word, result)
        ids.append(contentsOf: result)
    }

    private func mergeWord(_ word: [Unicode.Scalar]) -> [Int] {
        var symbols: [Int] = []
        symbols.reserveCapacity(word.count)
        var pendingUnknown = false
        for (i, scalar) in word.enumerated() {
            let id: Int?
            if continuingSubwordPrefix == nil && endOfWordSuffix == nil {
                id = scalarIDs[scalar]
            } else {
                var token = String(Character(scalar))
                if i > 0, let prefix = continuingSubwordPrefix { token = prefix + token }
                if i == word.count - 1, let suffix = endOfWordSuffix { token += suffix }
                id = vocab[token]
            }
            if let id {
                pendingUnknown = false
                symbols.append(id)
            } else if let unknownID {
                // Consecutive unknown characters become one [UNK] when fuse_unk is set.
                if !(fuseUnknown && pendingUnknown) { symbols.append(unknownID) }
                pendingUnknown = true
            }
        }
        return symbols.count <= 32 ? mergeShort(symbols) : mergeLong(symbols)
    }

    /// Merges by scanning all pairs for the lowest rank each time: quadratic, fastest for short words.
    private func mergeShort(_ start: [Int]) -> [Int] {
        var symbols = start
        while symbols.count > 1 {
            var best = Merge(rank: .max, id: 0), bestPosition = -1
            for p in 0..<(symbols.count - 1) {
                if let merge = merges[Self.pairKey(symbols[p], symbols[p + 1])], merge.rank < best.rank {
                    best = merge
                    bestPosition = p
                }
            }
            guard bestPosition >= 0 else { break }
            symbols[bestPosition] = Int(best.id)
            symbols.remove(at: bestPosition + 1)
        }
        return symbols
    }

    /// The same merges with a priority queue of candidate pairs keyed by (rank, position), as the library
    /// does: O(n log n), so a long run of characters without spaces cannot stall encoding.
    private func mergeLong(_ start: [Int]) -> [Int] {
        var ids = start
        var next = Array(1...ids.count), previous = Array(-1..<(ids.count - 1))  // next == count: none
        var alive = [Bool](repeating: true, count: ids.count)
        var queue = MinHeap()
        func push(_ p: Int) {
            guard p >= 0, next[p] < ids.count, let merge = merges[Self.pairKey(ids[p], ids[next[p]])] else { return }
            queue.push(UInt64(UInt32(merge.rank)) << 32 | UInt64(UInt32(p)))
        }
        for p in 0..<(ids.count - 1) { push(p) }
        while let top = queue.pop() {
            let rank = Int32(truncatingIfNeeded: top >> 32), p = Int(UInt32(truncatingIfNeeded: top))
            // Entries of pairs that have changed since they were queued are stale.
            guard alive[p], next[p] < ids.count,
                  let merge = merges[Self.pairKey(ids[p], ids[next[p]])], merge.rank == rank else { continue }
            let removed = next[p]
            ids[p] = Int(merge.id)
            alive[removed] = false
            next[p] = next[removed]
            if next[p] < ids.count { previous[next[p]] = p }
            push(previous[p])
            push(p)
        }
        var out: [Int] = []
        var p = 0
        while p < ids.count { out.append(ids[p]); p = next[p] }
        return out
    }
}

/// A binary min-heap of packed (rank, position) keys.
private struct MinHeap {
    private var items: [UInt64] = []

    mutating func push(_ value: UInt64) {
        items.append(value)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i] < items[parent] else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let left = 2 * i + 1, right = left + 1
                var smallest = i
                if left < items.count && items[left] < items[smallest] { smallest = left }
                if right < items.count && items[right] < items[smallest] { smallest = right }
                guard smallest != i else { break }
                items.swapAt(i, smallest)
                i = smallest
            }
        }
        return top
    }
}

/// The `merges` list: `["a b", …]` (older files) or `[["a", "b"], …]`.
private struct MergeList: Decodable {
    let pairs: [(String, String)]

    init(pairs: [(String, String)]) { self.pairs = pairs }

    init(from decoder: any Decoder) throws {
        if let merges = RawModel.of(decoder, key: "merges")?.merges {
            pairs = merges
            return
        }
        var c = try decoder.unkeyedContainer()
        var out: [(String, String)] = []
        out.reserveCapacity(c.count ?? 0)
        while !c.isAtEnd {
            if let line = try? c.decode(String.self) {
                let parts = line.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [JSONKey(intValue: out.count)!],
                                                            debugDescription: "merge \(line.debugDescription) is not two tokens separated by one space"))
                }
                out.append((String(String.UnicodeScalarView(parts[0])), String(String.UnicodeScalarView(parts[1]))))
            } else {
                let pair = try c.decode([String].self)
                guard pair.count == 2 else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [JSONKey(intValue: out.count)!],
                                                            debugDescription: "a merge must be a pair of tokens, found \(pair.count)"))
                }
                out.append((pair[0], pair[1]))
            }
        }
        pairs = out
    }
}

/// Memoised BPE results by word, shared by copies of a tokenizer and safe across threads.
final class WordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [[Unicode.Scalar]: [Int]] = [:]
    /// Words are not added once the cache holds this many (as the library's cache).
    private let capacity = 10_000

    func lookup(_ word: [Unicode.Scalar]) -> [Int]? {
        lock.lock(); defer { lock.unlock() }
        return entries[word]
    }

    func store(_ word: [Unicode.Scalar], _ ids: [Int]) {
        guard word.count < 256 else { return }
        lock.lock(); defer { lock.unlock() }
        if entries.count < capacity { entries[word] = ids }
    }
}
