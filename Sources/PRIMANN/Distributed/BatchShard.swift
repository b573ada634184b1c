/// The part of a global batch one rank works on in data-parallel training: a contiguous slice, the same
/// split on every rank, so the ranks' slices are disjoint and, joined in rank order, give the global batch.
public enum BatchShard {
    /// The positions `rank` takes of a global batch of `count` samples split over `size` ranks: sizes differ
    /// by at most one (5 samples over 2 ranks: 2 and 3).
    public static func range(count: Int, rank: Int, size: Int) -> Range<Int> {
        precondition(size > 0 && (0..<size).contains(rank), "rank \(rank) of \(size)")
        return (count * rank / size)..<(count * (rank + 1) / size)
    }
}
