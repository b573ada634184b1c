import CPRIMAKernels

extension Parallel {
    /// Runs independent pieces of work at the same time, one per worker, each on a single thread.
    ///
    /// Inside a branch every kernel and matrix product runs on the branch's own thread (the branch counts as
    /// a parallel region), so two branches on two cores never hand work to each other and never wait for one
    /// another until both are done. For work made of many medium-sized ops (a transformer over a batch) this
    /// keeps both cores busier than splitting every op in two: there is no hand-off per op, the elementwise
    /// kernels too small to split still run side by side, and each thread's matrix products keep their
    /// packed panels to themselves.
    ///
    /// Branches may record on the autodiff tape (the caller's ``GradMode`` and ``LinearProductsScope`` hold in
    /// every branch) and may run
    /// ``Tensor/backward(_:)-swift.type.method`` over their own graphs; the graphs must share no interior node
    /// (they may share leaves: parameters collect the gradients of both under a lock). Branches must not
    /// touch shared mutable state (a module's random generator, for example: turn dropout off).
    ///
    /// Inside a parallel region, or with one worker, the branches run one after the other.
    ///
    /// - Parameters:
    ///   - count: the number of branches.
    ///   - body: the work of one branch, called once for each index in `0..<count`.
    /// - Returns: the branches' results, in index order.
    public static func branches<Result>(_ count: Int, _ body: (Int) -> Result) -> [Result] {
        if count <= 1 || threadCount <= 1 || isInsideParallelRegion {
            return (0..<count).map(body)
        }
        let results = BranchResults<Result>(count: count)
        let recording = GradMode.isEnabled, products = LinearProductsScope.current
        // Each branch sits in the region for its whole run: nothing inside it splits again.
        forEachChunk(count) { index in
            GradMode.$isEnabled.withValue(recording) {
                LinearProductsScope.$current.withValue(products) { results.store(body(index), at: index) }
            }
        }
        return results.values
    }
}

/// One slot per branch, each written by exactly one branch before `values` is read. The slots live in
/// raw memory so that two branches writing their own slots are not two accesses to one array.
private final class BranchResults<Result>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Result?>
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }
    deinit {
        slots.deinitialize()
        slots.deallocate()
    }
    func store(_ value: Result, at index: Int) { slots[index] = value }
    var values: [Result] { slots.map { $0! } }
}
