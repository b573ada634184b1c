import Foundation
import PRIMANN
import PRIMATensor

/// The temperature τ shared by PRIMA's contrastive losses, `sim(a, b) = cos(a, b) / τ`.
///
/// Fixed by default (τ = 0.07, our choice: the paper gives none); learnable when asked, parameterised by
/// `log τ` (key `log_temperature`) so that τ stays positive under any optimiser step.
public final class AlignmentTemperature: Module {
    /// `log τ`, shape `[]`; frozen unless the temperature is learnable.
    @Key("log_temperature") public private(set) var logTemperature: Parameter

    /// A temperature starting at `initial`.
    /// - Precondition: `initial > 0`.
    public init(initial: Float = 0.07, learnable: Bool = false) {
        precondition(initial > 0 && initial.isFinite, "the temperature must be positive and finite, got \(initial)")
        super.init()
        logTemperature = Parameter(Tensor(log(initial)), frozen: !learnable)
    }

    /// Whether τ is trained.
    public var isLearnable: Bool { !logTemperature.isFrozen }

    /// τ as a scalar tensor (differentiable when learnable).
    public var value: Tensor { logTemperature.value.exp() }
}
