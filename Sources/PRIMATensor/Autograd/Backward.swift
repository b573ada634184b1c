extension Tensor {
    /// True when this tensor is on the autodiff tape (a leaf that collects gradients or the result of
    /// a recorded op).
    public var requiresGrad: Bool { node != nil }

    /// The gradient accumulated into this leaf by ``backward(_:)``.
    public var grad: Tensor? { node?.grad }

    /// A leaf copy of this tensor (sharing storage) that collects gradients.
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        Tensor(storage: storage, shape: shape, node: flag ? GradNode(leafWithShape: shape) : nil)
    }

    /// The same values, cut off from the tape.
    public func detached() -> Tensor { Tensor(storage: storage, shape: shape, node: nil) }

    /// Clears the gradient collected by this leaf.
    public func zeroGrad() { node?.clearGrad() }

    /// True when an op on `a` must be recorded: `a` is on the tape and recording is enabled. Ops check
    /// this before building their backward closure, so untracked calls allocate nothing for autodiff.
    @inlinable
    public static func needsRecording(_ a: Tensor) -> Bool {
        a.node != nil && GradMode.isEnabled
    }

    /// True when an op on `a` and `b` must be recorded (see ``needsRecording(_:)``).
    @inlinable
    public static func needsRecording(_ a: Tensor, _ b: Tensor) -> Bool {
        (a.node != nil || b.node != nil) && GradMode.isEnabled
    }

    /// Records `result` on the tape as a function of `inputs` when gradients are enabled and any input
    /// requires them. `backward` receives the output gradient and returns one gradient per input.
    public static func record(_ result: Tensor, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        // Reading the task-local flag costs more than looking at the inputs, so look first.
        guard inputs.contains(where: { $0.node != nil }), GradMode.isEnabled else { return result }
        return attach(result, inputs: inputs.map(\.node), backward: .general(backward))
    }

    /// Records a one-input op; the caller has checked ``needsRecording(_:)``.
    static func recordUnary(_ result: Tensor, _ a: Tensor, backward: @escaping (Tensor) -> Tensor) -> Tensor {
        attach(result, inputs: [a.node], backward: .unary(backward))
    }

    /// Records a two-input op; the caller has checked ``needsRecording(_:_:)``.
    static func recordBinary(_ result: Tensor, _ a: Tensor, _ b: Tensor,
                             backward: @escaping (Tensor) -> (Tensor?, Tensor?)) -> Tensor {
        attach(result, inputs: [a.node, b.node], backward: .binary(backward))
    }

    private static func attach(_ result: Tensor, inputs: [GradNode?], backward: BackwardFunction) -> Tensor {
        var out = result
        out.node = GradNode(shape: result.shape, inputs: inputs, backward: backward)
        return out
    }

    /// Back-propagates from this tensor. Without `gradient` the tensor must hold one element and the
    /// seed is 1. Gradients add up in the leaves across calls until cleared. The pass frees the graph:
    /// saved activations are released as soon as they have been used.
    public func backward(_ gradient: Tensor? = nil) {
        guard let root = node else {
            preconditionFailure("backward() on a tensor that does not require gradients")
        }
        let seed: Tensor
        if let gradient {
            precondition(gradient.shape == shape, "seed gradient shape \(gradient.shape) for \(shape)")
            seed = gradient.detached()
        } else {
            precondition(count == 1, "backward() without a seed needs a one-element tensor, got \(shape)")
            seed = Tensor(repeating: 1, shape: shape)
        }
        noGrad {
            let order = Self.topologicalOrder(from: root)
            root.accumulate(seed)
            for node in order.reversed() where !node.isLeaf {
                if let function = node.backwardFunction, let g = node.grad {
                    let inputs = node.inputs
                    function(g) { i, gradient in inputs[i]?.accumulate(gradient) }
                }
                // Free saved activations and the transient gradient as soon as they are used.
                node.releaseSavedState()
                node.grad = nil
            }
        }
    }

    /// Nodes reachable from `root`, each after all of its inputs (iterative DFS; graphs can be deep).
    static func topologicalOrder(from root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Bool)] = [(root, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            let id = ObjectIdentifier(node)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((node, true))
            for case let input? in node.inputs where !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }
}
