import Foundation

/// One recorded operation on the autodiff tape (or a leaf that collects a gradient).
///
/// Interior nodes keep their inputs' nodes and a closure that maps the output gradient to the input
/// gradients; both are released once the backward pass has used them, so saved activations are freed
/// as early as possible.
public final class GradNode: @unchecked Sendable {
    /// Nodes of the op's inputs (nil for inputs that need no gradient).
    var inputs: [GradNode?]
    /// Maps the gradient of the output to one gradient per input (nil where not needed).
    var backwardFunction: BackwardFunction?
    /// Accumulated gradient: permanent for leaves, transient for interior nodes.
    public internal(set) var grad: Tensor?
    /// True for tensors created with ``Tensor/requiringGrad(_:)``: they keep their gradient.
    public let isLeaf: Bool
    let shape: [Int]

    init(leafWithShape shape: [Int]) {
        self.inputs = []
        self.backwardFunction = nil
        self.isLeaf = true
        self.shape = shape
    }

    init(shape: [Int], inputs: [GradNode?], backward: BackwardFunction) {
        self.inputs = inputs
        self.backwardFunction = backward
        self.isLeaf = false
        self.shape = shape
    }

    /// Serialises gradient accumulation into leaves: concurrent backward passes over disjoint graphs
    /// (``Parallel/branches(_:_:)``) share only their leaves, the parameters.
    private static let leafLock = NSLock()

    /// Where the leaf gradients of the backward pass running on this thread go instead of into the leaves
    /// (set by `Tensor.concurrentBranches`, which adds each branch's collection in branch order afterwards,
    /// so the sums do not depend on which branch finished first).
    @TaskLocal static var leafGradientSink: LeafGradientSink?

    /// Adds `g` to the gradient, in place when no other tensor shares the accumulated buffer.
    func accumulate(_ g: Tensor) {
        precondition(g.shape == shape, "gradient of shape \(g.shape) for a tensor of shape \(shape)")
        guard isLeaf else { return add(g) }
        if let sink = Self.leafGradientSink {
            sink.collect(g, for: self)
            return
        }
        Self.leafLock.lock()
        defer { Self.leafLock.unlock() }
        add(g)
    }

    func add(_ g: Tensor) {
        guard var existing = grad else {
            grad = g.detached()
            return
        }
        grad = nil   // leaves `existing` as the only owner, so the addition can reuse its storage
        existing.addInPlace(g)
        grad = existing
    }

    /// Forgets the accumulated gradient of a leaf (the optimiser's `zeroGrad`).
    public func clearGrad() { grad = nil }

    /// Set once a backward pass has used and freed this node's saved state.
    private(set) var wasConsumed = false

    /// Drops the saved inputs and backward closure (after the backward pass used them).
    func releaseSavedState() {
        backwardFunction = nil
        inputs = []
    }

    /// Frees the saved state after a backward pass, remembering that it is gone.
    func consume() {
        releaseSavedState()
        wasConsumed = true
    }

    deinit {
        // Release long chains iteratively: the default recursive release of a graph of 100k ops (a
        // graph dropped without calling backward) would overflow the stack.
        guard !inputs.isEmpty else { return }
        var pending = inputs.compactMap { $0 }
        releaseSavedState()
        while var node = pending.popLast() {
            if isKnownUniquelyReferenced(&node) {
                pending.append(contentsOf: node.inputs.lazy.compactMap { $0 })
                node.releaseSavedState()
            }
        }
    }
}

/// The backward closure of a node, in the arity it was recorded with (no wrapper closure per op).
enum BackwardFunction {
    case unary((Tensor) -> Tensor)
    case binary((Tensor) -> (Tensor?, Tensor?))
    case general((Tensor) -> [Tensor?])

    /// Gradients of the inputs, in input order, for the output gradient `g`.
    func callAsFunction(_ g: Tensor, _ body: (Int, Tensor) -> Void) {
        switch self {
        case .unary(let f):
            body(0, f(g))
        case .binary(let f):
            let (ga, gb) = f(g)
            if let ga { body(0, ga) }
            if let gb { body(1, gb) }
        case .general(let f):
            for (i, gi) in f(g).enumerated() { if let gi { body(i, gi) } }
        }
    }
}

/// Leaf gradients collected by one branch of a concurrent backward pass, in the order the leaves were first
/// reached; used by one thread at a time.
final class LeafGradientSink: @unchecked Sendable {
    private var leaves: [GradNode] = []
    private var positions: [ObjectIdentifier: Int] = [:]
    private var gradients: [GradNode] = []

    /// Adds `g` to what this branch has for `leaf` (a scratch node does the in-place addition).
    func collect(_ g: Tensor, for leaf: GradNode) {
        if let position = positions[ObjectIdentifier(leaf)] {
            gradients[position].add(g)
        } else {
            positions[ObjectIdentifier(leaf)] = leaves.count
            leaves.append(leaf)
            let scratch = GradNode(leafWithShape: leaf.shape)
            scratch.add(g)
            gradients.append(scratch)
        }
    }

    /// Adds everything collected into the leaves themselves.
    func flush() {
        for (leaf, collected) in zip(leaves, gradients) {
            if let g = collected.grad { leaf.accumulate(g) }
        }
        leaves = []
        positions = [:]
        gradients = []
    }
}
