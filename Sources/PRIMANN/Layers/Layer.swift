import PRIMATensor

/// A module with one tensor in and one tensor out; what ``Sequential`` chains.
public protocol Layer: Module {
    /// The forward pass.
    func callAsFunction(_ input: Tensor) -> Tensor
}
