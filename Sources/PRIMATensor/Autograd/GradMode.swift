/// Whether differentiable ops record themselves on the tape in the current task or thread.
public enum GradMode {
    /// Whether ops record themselves; set with ``noGrad(_:)`` and ``withGrad(_:)``.
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording any operation for autodiff (inference, optimiser updates).
@discardableResult
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

/// Runs `body` with recording switched back on, inside an enclosing ``noGrad(_:)``.
@discardableResult
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(true, operation: body)
}
