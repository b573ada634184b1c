import Foundation

/// Student's t distribution and the regularized incomplete beta function it rests on, in Double.
///
/// The two-sided tail of t with ν degrees of freedom is P(|T| ≥ t) = I_x(ν/2, 1/2) with x = ν / (ν + t²),
/// where I_x(a, b) is the regularized incomplete beta function. I_x is evaluated by its continued fraction
/// (modified Lentz), on the side of the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges
/// quickly (x < (a + 1) / (a + b + 2)). Checked against `scipy.stats.t` and `scipy.special.betainc` in the
/// tests (Scripts/reference/gen_statistics.py).
public enum StudentT {
    /// P(T ≤ t) for t with `degreesOfFreedom` ν > 0; ±∞ give 1 and 0, NaN gives NaN.
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "the t distribution needs positive degrees of freedom, got \(nu)")
        guard !t.isNaN else { return .nan }
        let tail = 0.5 * twoSidedTail(abs(t), degreesOfFreedom: nu)
        return t >= 0 ? 1 - tail : tail
    }

    /// P(|T| ≥ |t|): the two-sided p-value of a t statistic.
    public static func twoSidedTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "the t distribution needs positive degrees of freedom, got \(nu)")
        guard !t.isNaN else { return .nan }
        guard t.isFinite else { return 0 }
        // x = ν / (ν + t²) and 1 − x = t² / (ν + t²), each computed directly: 1 − x would round to 0 for tiny t.
        let s = (t / nu.squareRoot()) * (t / nu.squareRoot())
        return incompleteBeta(x: 1 / (1 + s), complement: s / (1 + s), a: nu / 2, b: 0.5)
    }

    /// I_x(a, b) = B(x; a, b) / B(a, b) for x in [0, 1] and a, b > 0.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        precondition(a > 0 && b > 0, "the incomplete beta function needs a, b > 0, got \(a), \(b)")
        precondition((0...1).contains(x), "the incomplete beta function needs x in [0, 1], got \(x)")
        return incompleteBeta(x: x, complement: 1 - x, a: a, b: b)
    }

    /// I_x(a, b) given x and 1 − x, each as accurate as the caller has them.
    static func incompleteBeta(x: Double, complement y: Double, a: Double, b: Double) -> Double {
        if x == 0 || y == 0 { return x == 0 ? 0 : 1 }
        // x^a (1 − x)^b / B(a, b), through logarithms (the factors underflow separately for large a, b).
        let logFront = a * log(x) + b * log(y) - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(y, a: b, b: a) / b
    }

    /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
    static func logBeta(_ a: Double, _ b: Double) -> Double { lgamma(a) + lgamma(b) - lgamma(a + b) }

    /// The continued fraction 1 / (1 + d₁ / (1 + d₂ / (1 + …))) of the incomplete beta function, with
    /// d₂ₘ₊₁ = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) and d₂ₘ = m (b − m) x / ((a + 2m − 1)(a + 2m)),
    /// evaluated by the modified Lentz method until a step changes it by less than 1e-15 relative.
    static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, epsilon = 1e-15
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var value = d
        for m in 1...10_000 {
            let m = Double(m)
            // Even step.
            var numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            value *= d * c
            // Odd step.
            numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            value *= step
            if abs(step - 1) < epsilon { break }
        }
        return value
    }
}
