/// A scope in which every linear layer computes its products in one precision, whatever the layers' own
/// settings: the package's counterpart of `with torch.autocast("cpu", dtype=torch.bfloat16):` for linear layers.
///
/// The scope is task-local, like ``GradMode``: it holds for everything `body` runs on the calling task and in the
/// branches of `Parallel.branches` (the two views of a stage-2 step), and a backward pass computes each product
/// as its forward pass chose. Outside any scope each `Linear` uses its own `bfloat16Products` setting.
public enum LinearProductsScope {
    /// The precision in effect, or nil outside any ``withLinearProducts(_:_:)`` scope.
    @TaskLocal public static var current: BFloat16Products? = nil
}

/// Runs `body` with every linear layer's products in `products` (``BFloat16Products``): `.bfloat16` rounds the
/// inputs, Float32 weights and output gradients of every product to bf16 with Float32 accumulation (autocast
/// for linear layers); `.float32` makes them exact, e.g. to evaluate a model trained in bf16.
@discardableResult
public func withLinearProducts<R>(_ products: BFloat16Products, _ body: () throws -> R) rethrows -> R {
    try LinearProductsScope.$current.withValue(products, operation: body)
}
