/// The metadata of the synthetic PAD-UFES-20: one row per field, one value per class in
/// ``PADUFESDiagnosis`` order (ACK, BCC, MEL, NEV, SCC, SEK). Each row follows what the shipped knowledge
/// corpus entry in its comment says, so that a model told those facts (PRIMA's stage 1) meets them in the data.
///
/// The numbers are invented to be plausible, not fitted to the real dataset. Strong separators (age, region,
/// diameter, history) are kept noisy enough that metadata alone does not solve the task; a factor the corpus
/// calls weak or uninformative for a class gets a value close to the others'.
enum PADUFESRiskFactors {
    static let relations: [RiskFactorRelation] = [
        // pad-ufes-20/age: keratinocyte lesions and SEK after 50–60, nevi in young adults, melanoma across adult life.
        .init(field: "age", corpusEntry: "pad-ufes-20/age",
              distribution: .normal([(64, 11), (62, 13), (52, 16), (33, 13), (69, 11), (62, 13)])),
        // pad-ufes-20/gender: SCC clearly (2–3×) more in men, ACK and BCC somewhat more; nevi and SEK even.
        .init(field: "gender", corpusEntry: "pad-ufes-20/gender",
              distribution: .weights([["MALE": 0.6, "FEMALE": 0.4], ["MALE": 0.55, "FEMALE": 0.45], ["MALE": 0.5, "FEMALE": 0.5],
                                      ["MALE": 0.48, "FEMALE": 0.52], ["MALE": 0.68, "FEMALE": 0.32], ["MALE": 0.5, "FEMALE": 0.5]], other: 0)),
        // pad-ufes-20/fitspatrick: types I–II for ACK, BCC, SCC, MEL; nevi and SEK in every skin type.
        .init(field: "fitspatrick", corpusEntry: "pad-ufes-20/fitspatrick",
              distribution: .weights([fair, fair, fair, anyType, fair, anyType], other: 0)),
        // pad-ufes-20/region: chronically sun-exposed head and hands for ACK/SCC (lip for SCC), nose and face for
        // BCC, back and legs for MEL, trunk and limbs for NEV, chest/back/face for SEK.
        .init(field: "region", corpusEntry: "pad-ufes-20/region", distribution: .weights([
            ["FACE": 4, "FOREARM": 3, "HAND": 3, "SCALP": 1.5, "EAR": 1.5, "ARM": 1.5, "LIP": 0.8, "NOSE": 1.5, "NECK": 1],
            ["FACE": 4, "NOSE": 3, "BACK": 2, "CHEST": 2, "EAR": 1, "NECK": 1.5, "SCALP": 1, "ARM": 1, "HAND": 0.1, "FOOT": 0.05],
            ["BACK": 4, "CHEST": 2, "THIGH": 2, "ARM": 1.5, "FACE": 1, "ABDOMEN": 1, "FOOT": 0.6],
            ["BACK": 3, "CHEST": 2.5, "ABDOMEN": 2, "ARM": 2, "THIGH": 1.5, "FACE": 1, "NECK": 1],
            ["FACE": 3, "HAND": 3, "FOREARM": 3, "LIP": 2, "EAR": 1.5, "SCALP": 1.5, "NOSE": 1, "ARM": 1],
            ["CHEST": 3, "BACK": 3, "FACE": 2, "NECK": 1.5, "ABDOMEN": 1.5, "ARM": 1, "FOOT": 0.05],
        ], other: 0.3)),
        // pad-ufes-20/diameter: ACK and nevi small (< 6 mm), BCC under 1–2 cm, MEL often > 6 mm, SCC often > 1 cm,
        // SEK from millimetres to centimetres. Diameter 2 is drawn from diameter 1.
        .init(field: "diameter_1", corpusEntry: "pad-ufes-20/diameter",
              distribution: .logNormal([(6, 1.5), (9, 1.6), (9, 1.5), (5, 1.4), (12, 1.6), (8, 1.7)])),
        // pad-ufes-20/itch: common in SEK and ACK, a warning sign in MEL, rare in nevi.
        .init(field: "itch", corpusEntry: "pad-ufes-20/itch", distribution: .yes([0.6, 0.4, 0.4, 0.15, 0.5, 0.6])),
        // pad-ufes-20/grew: carcinomas and melanoma grow (SCC fastest), adult nevi are stable.
        .init(field: "grew", corpusEntry: "pad-ufes-20/grew", distribution: .yes([0.35, 0.6, 0.65, 0.15, 0.7, 0.35])),
        // pad-ufes-20/hurt: most typical of SCC; less of ACK and ulcerated BCC; rare in the benign lesions.
        .init(field: "hurt", corpusEntry: "pad-ufes-20/hurt", distribution: .yes([0.25, 0.2, 0.1, 0.05, 0.5, 0.08])),
        // pad-ufes-20/changed: the strongest warning sign of melanoma; common in SCC, little in nevi and SEK.
        .init(field: "changed", corpusEntry: "pad-ufes-20/changed", distribution: .yes([0.25, 0.35, 0.75, 0.1, 0.45, 0.15])),
        // pad-ufes-20/bleed: BCC and SCC bleed and crust; late sign of MEL; nevi and SEK only after trauma.
        .init(field: "bleed", corpusEntry: "pad-ufes-20/bleed", distribution: .yes([0.15, 0.55, 0.25, 0.05, 0.5, 0.08])),
        // pad-ufes-20/elevation: SEK and SCC raised, BCC mostly raised, ACK and early MEL flat, nevi either.
        .init(field: "elevation", corpusEntry: "pad-ufes-20/elevation", distribution: .yes([0.3, 0.65, 0.4, 0.5, 0.8, 0.85])),
        // pad-ufes-20/smoke: about 1.5× the risk of SCC; no role elsewhere.
        .init(field: "smoke", corpusEntry: "pad-ufes-20/smoke", distribution: .yes([0.15, 0.16, 0.13, 0.15, 0.25, 0.15])),
        // pad-ufes-20/drink: modest for BCC, SCC and MEL.
        .init(field: "drink", corpusEntry: "pad-ufes-20/drink", distribution: .yes([0.3, 0.34, 0.35, 0.3, 0.36, 0.3])),
        // pad-ufes-20/pesticide: marks outdoor farm work: ACK, SCC and BCC; uninformative for NEV and SEK.
        .init(field: "pesticide", corpusEntry: "pad-ufes-20/pesticide", distribution: .yes([0.5, 0.4, 0.3, 0.2, 0.5, 0.2])),
        // pad-ufes-20/skin_cancer_history: raises the malignant and premalignant diagnoses.
        .init(field: "skin_cancer_history", corpusEntry: "pad-ufes-20/skin_cancer_history",
              distribution: .yes([0.5, 0.55, 0.45, 0.15, 0.55, 0.2])),
        // pad-ufes-20/cancer_history (family): established for MEL (and its nevi); weak for the keratinocyte lesions.
        .init(field: "cancer_history", corpusEntry: "pad-ufes-20/cancer_history",
              distribution: .yes([0.35, 0.4, 0.55, 0.42, 0.35, 0.33])),
        // pad-ufes-20/has_piped_water: its lack marks rural outdoor life (ACK, SCC, BCC), indirectly.
        .init(field: "has_piped_water", corpusEntry: "pad-ufes-20/has_piped_water",
              distribution: .yes([0.75, 0.8, 0.88, 0.9, 0.72, 0.88])),
        // pad-ufes-20/has_sewage_system: like piped water, weaker.
        .init(field: "has_sewage_system", corpusEntry: "pad-ufes-20/has_sewage_system",
              distribution: .yes([0.62, 0.66, 0.72, 0.74, 0.62, 0.72])),
        // pad-ufes-20/background: fair European ancestry for the sun-related lesions; little for nevi and SEK.
        // Both parents' backgrounds are drawn from this row.
        .init(field: "background_father", corpusEntry: "pad-ufes-20/background",
              distribution: .weights([european, european, european, mixed, european, mixed], other: 0.1)),
    ]

    /// Fitzpatrick type weights (keys "1"…"6"): fair skin that burns, and every skin type.
    private static let fair: [String: Double] = ["1": 3, "2": 6, "3": 2.5, "4": 0.6, "5": 0.2, "6": 0.1]
    private static let anyType: [String: Double] = ["1": 0.8, "2": 3, "3": 3.5, "4": 2, "5": 0.8, "6": 0.4]
    /// Family backgrounds: mostly northern/central European, or more often Brazilian/Portuguese.
    private static let european: [String: Double] = ["POMERANIA": 3, "GERMANY": 3, "ITALY": 2, "NETHERLANDS": 1, "POLAND": 1,
                                                     "AUSTRIA": 0.5, "BRAZIL": 1.2, "PORTUGAL": 0.8]
    private static let mixed: [String: Double] = ["POMERANIA": 1.5, "GERMANY": 1.5, "ITALY": 2, "NETHERLANDS": 0.5, "POLAND": 0.5,
                                                  "AUSTRIA": 0.3, "BRAZIL": 4, "PORTUGAL": 1.5]
}
