/// One recorded operation on the autodiff tape (or a leaf that collects a gradient).
///
/// Interior nodes keep their inputs' nodes and a closure that maps the output gradient to the input
/// gradients; both are released once the backward pass has used them, so saved activations are freed
/// as early as possible.
public final class GradNode: @unchecked Sendable {
    /// Nodes of the op's inputs (nil for inputs that need no gradient).
    var inputs: [GradNode?]
    /// Maps the gradient of the output to one gradient per input (nil where not needed).
    var backwardFunction: ((Tensor) -> [Tensor?])?
    /// Accumulated gradient: permanent for leaves, transient for interior nodes.
    public internal(set) var grad: Tensor?
    public let isLeaf: Bool
    let shape: [Int]

    init(leafWithShape shape: [Int]) {
        self.inputs = []
        self.backwardFunction = nil
        self.isLeaf = true
        self.shape = shape
    }

    init(shape: [Int], inputs: [GradNode?], backward: @escaping (Tensor) -> [Tensor?]) {
        self.inputs = inputs
        self.backwardFunction = backward
        self.isLeaf = false
        self.shape = shape
    }

    func accumulate(_ g: Tensor) {
        precondition(g.shape == shape, "gradient of shape \(g.shape) for a tensor of shape \(shape)")
        if let existing = grad { grad = existing.addingInPlace(g) } else { grad = g.detached() }
    }

    /// Forgets the accumulated gradient of a leaf (the optimiser's `zeroGrad`).
    public func clearGrad() { grad = nil }
}
