import Foundation
import PRIMATensor

/// How a synthetic generator draws one metadata field for each class (arrays indexed by class).
enum FieldDistribution: Sendable {
    /// Normal(mean, sd) per class.
    case normal([(mean: Double, sd: Double)])
    /// Log-normal per class: the median and the factor one SD multiplies it by (skewed, always positive:
    /// lesion sizes, symptom durations).
    case logNormal([(median: Double, spread: Double)])
    /// Probability of `true` per class.
    case yes([Double])
    /// Weights over named values per class; values a class does not name get `other`.
    case weights([[String: Double]], other: Double)
}

/// A planted relation: how a field depends on the class, and the entry of the shipped knowledge corpus
/// (`Sources/PRIMAKnowledge/Resources/starting_corpus.jsonl`) whose text the numbers follow (nil for a field
/// the corpus does not describe).
struct RiskFactorRelation: Sendable {
    /// The metadata column.
    let field: String
    /// The corpus entry id, e.g. `pad-ufes-20/age`.
    let corpusEntry: String?
    /// Per-class distribution.
    let distribution: FieldDistribution
}

extension RiskFactorRelation {
    /// A number drawn for class `c` (normal or log-normal relations only).
    func number(forClass c: Int, using rng: inout RandomGenerator) -> Double {
        switch distribution {
        case .normal(let params): return rng.normal(params[c].mean, params[c].sd)
        case .logNormal(let params): return params[c].median * exp(log(params[c].spread) * rng.normal(0, 1))
        default: preconditionFailure("\(field) is not a numeric relation")
        }
    }

    /// A yes/no answer drawn for class `c` (`yes` relations only).
    func answer(forClass c: Int, using rng: inout RandomGenerator) -> Bool {
        guard case .yes(let p) = distribution else { preconditionFailure("\(field) is not a yes/no relation") }
        return rng.chance(p[c])
    }

    /// One of `values` drawn for class `c` (`weights` relations only).
    func value(forClass c: Int, from values: [String], using rng: inout RandomGenerator) -> String {
        guard case .weights(let table, let other) = distribution else { preconditionFailure("\(field) is not a categorical relation") }
        return rng.choose(values, values.map { table[c][$0] ?? other })
    }
}

extension Array where Element == RiskFactorRelation {
    /// The relation of `field`; a missing one is a programming error in the generator's table.
    subscript(field: String) -> RiskFactorRelation {
        guard let relation = first(where: { $0.field == field }) else { preconditionFailure("no relation for \(field)") }
        return relation
    }
}
