/// The metadata of the synthetic AQUA look-alike: one row per field of ``AQUA/keratitisSchema``, one value per
/// class (bacterial, fungal). Each row follows the shipped knowledge corpus entry in its comment; fields the
/// corpus does not describe (sex, hypopyon, ulcer size) carry little or no signal.
///
/// The numbers are invented to be plausible, not fitted to real data; each factor alone is a weak clue, so
/// the metadata shifts the odds without settling the diagnosis.
enum AQUARiskFactors {
    static let relations: [RiskFactorRelation] = [
        // aqua/age: fungal keratitis in working-age adults; bacterial at every age (young lens wearers, the elderly).
        .init(field: "age", corpusEntry: "aqua/age", distribution: .normal([(48, 19), (45, 12)])),
        // No corpus entry: sex is not a clue.
        .init(field: "gender", corpusEntry: nil,
              distribution: .weights([["MALE": 0.55, "FEMALE": 0.45], ["MALE": 0.55, "FEMALE": 0.45]], other: 0)),
        // aqua/contact_lens: the main risk factor of bacterial keratitis; lens wear does not favour fungi.
        .init(field: "contact_lens", corpusEntry: "aqua/contact_lens", distribution: .yes([0.28, 0.12])),
        // aqua/trauma: trauma precedes both, injury with plant matter strongly favours fungi.
        // `plant_trauma` is drawn only after an injury, with these conditional probabilities.
        .init(field: "ocular_trauma", corpusEntry: "aqua/trauma", distribution: .yes([0.3, 0.45])),
        .init(field: "plant_trauma", corpusEntry: "aqua/trauma", distribution: .yes([0.2, 0.55])),
        // aqua/occupation: agricultural work favours fungi.
        .init(field: "agricultural_work", corpusEntry: "aqua/occupation", distribution: .yes([0.22, 0.4])),
        // aqua/topical_steroids: a risk factor for both, clearly more for fungi.
        .init(field: "topical_steroids", corpusEntry: "aqua/topical_steroids", distribution: .yes([0.15, 0.28])),
        // aqua/systemic_disease: diabetes raises both; slightly more fungal (yeasts).
        .init(field: "diabetes", corpusEntry: "aqua/systemic_disease", distribution: .yes([0.12, 0.16])),
        // No corpus entry: hypopyon is seen in both, a little more in bacterial ulcers.
        .init(field: "hypopyon", corpusEntry: nil, distribution: .yes([0.4, 0.32])),
        // aqua/symptom_duration: fungal keratitis progresses slowly and presents later.
        .init(field: "symptom_days", corpusEntry: "aqua/symptom_duration", distribution: .logNormal([(4.5, 1.9), (7.5, 1.9)])),
        // No corpus entry: ulcer size overlaps between the two.
        .init(field: "ulcer_size_mm", corpusEntry: nil, distribution: .logNormal([(3.4, 1.5), (3.8, 1.5)])),
    ]
}
