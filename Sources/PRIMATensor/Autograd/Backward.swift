extension Tensor {
    /// True when this tensor is on the autodiff tape (a leaf that collects gradients or the result of
    /// a recorded op).
    public var requiresGrad: Bool { node != nil }

    /// The gradient accumulated into this leaf by ``backward(_:)-swift.method``.
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

    static func attach(_ result: Tensor, inputs: [GradNode?], backward: BackwardFunction) -> Tensor {
        var out = result
        out.node = GradNode(shape: result.shape, inputs: inputs, backward: backward)
        return out
    }

    /// Back-propagates from this tensor. Without `gradient` the tensor must hold one element and the
    /// seed is 1. Gradients add up in the leaves across calls until cleared. The pass frees the graph:
    /// saved activations are released as soon as they have been used.
    public func backward(_ gradient: Tensor? = nil) {
        guard node != nil else {
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
        Self.backward([(self, seed)])
    }

    /// Back-propagates from several tensors at once, each with its own seed gradient (the shape of its
    /// tensor): one pass over the union of their graphs, as if the sum of `⟨tensor, seed⟩` had been
    /// differentiated, without building that sum. Tensors that do not require gradients are skipped.
    ///
    /// Passes over graphs that share no interior node may run at the same time on different threads
    /// (see ``Parallel/branches(_:_:)``): leaves shared by both (parameters) add their gradients under a lock.
    public static func backward(_ roots: [(tensor: Tensor, gradient: Tensor)]) {
        let seeded = roots.compactMap { root -> (GradNode, Tensor)? in
            guard let node = root.tensor.node else { return nil }
            precondition(root.gradient.shape == root.tensor.shape,
                         "seed gradient shape \(root.gradient.shape) for \(root.tensor.shape)")
            return (node, root.gradient.detached())
        }
        guard !seeded.isEmpty else { return }
        noGrad {
            let order = topologicalOrder(from: seeded.map(\.0))
            for (node, seed) in seeded { node.accumulate(seed) }
            for node in order.reversed() where !node.isLeaf {
                // As in PyTorch, a second pass through freed nodes is an error, not a silent zero.
                precondition(!(node.wasConsumed && node.grad != nil),
                             "backward() through a graph already freed by an earlier backward(); sum the losses first")
                if let function = node.backwardFunction, let g = node.grad {
                    let inputs = node.inputs
                    function(g) { i, gradient in inputs[i]?.accumulate(gradient) }
                }
                // Free saved activations and the transient gradient as soon as they are used.
                node.consume()
                node.grad = nil
            }
        }
    }

    /// Nodes reachable from `roots`, each after all of its inputs (iterative DFS; graphs can be deep).
    static func topologicalOrder(from roots: [GradNode]) -> [GradNode] {
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Bool)] = roots.reversed().map { ($0, false) }
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
