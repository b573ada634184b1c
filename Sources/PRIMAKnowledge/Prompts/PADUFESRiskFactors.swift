import PRIMAData

extension KnowledgeDataset {
    /// PAD-UFES-20: the risk factors of its metadata schema (`PADUFES.schema`) and its six diagnoses.
    ///
    /// Every schema field becomes part of a risk factor: the two diameters form `diameter` and the two parents'
    /// backgrounds form `background`; the other fields keep their own names. A field this table does not know
    /// (a future schema change) still becomes a risk factor named after it, so none is silently left out.
    public static var padUFES20: KnowledgeDataset {
        var factors: [RiskFactor] = []
        for field in PADUFES.schema.fields.map(\.name) {
            let known = PADUFESRiskFactors.byField[field]
            let factor = known ?? RiskFactor(id: field, name: field, description: "The metadata field \(field).", fields: [field])
            if let index = factors.firstIndex(where: { $0.id == factor.id }) {
                if !factors[index].fields.contains(field) { factors[index].fields.append(field) }
            } else {
                var first = factor
                first.fields = [field]
                factors.append(first)
            }
        }
        let names: [PADUFESDiagnosis: String] = [.ACK: "Actinic keratosis", .BCC: "Basal cell carcinoma", .MEL: "Melanoma",
                                                 .NEV: "Nevus", .SCC: "Squamous cell carcinoma", .SEK: "Seborrheic keratosis"]
        return KnowledgeDataset(id: "pad-ufes-20", subject: "skin lesions photographed with smartphones in a Brazilian public health programme",
                                riskFactors: factors,
                                diagnoses: PADUFESDiagnosis.allCases.map { DiagnosisLabel(code: $0.rawValue, name: names[$0]!) })
    }
}

/// The readable names and descriptions of PAD-UFES-20's metadata fields.
enum PADUFESRiskFactors {
    static let byField: [String: RiskFactor] = {
        let factors = [
            RiskFactor(id: "age", name: "Age", description: "The patient's age in years.", fields: ["age"]),
            RiskFactor(id: "gender", name: "Gender", description: "The patient's sex (female or male).", fields: ["gender"]),
            RiskFactor(id: "fitspatrick", name: "Fitzpatrick skin type",
                       description: "Skin phototype I (always burns, never tans) to VI (never burns).", fields: ["fitspatrick"]),
            RiskFactor(id: "region", name: "Body site",
                       description: "Where the lesion is: face, nose, ear, lip, scalp, neck, chest, back, abdomen, arm, forearm, hand, thigh or foot.",
                       fields: ["region"]),
            RiskFactor(id: "diameter", name: "Lesion diameter",
                       description: "The lesion's two largest perpendicular diameters in millimetres.", fields: ["diameter_1", "diameter_2"]),
            RiskFactor(id: "itch", name: "Itching lesion", description: "Whether the lesion itches.", fields: ["itch"]),
            RiskFactor(id: "grew", name: "Growing lesion", description: "Whether the lesion has grown recently.", fields: ["grew"]),
            RiskFactor(id: "hurt", name: "Painful lesion", description: "Whether the lesion hurts.", fields: ["hurt"]),
            RiskFactor(id: "changed", name: "Changing lesion",
                       description: "Whether the lesion has changed (colour, shape, surface) recently.", fields: ["changed"]),
            RiskFactor(id: "bleed", name: "Bleeding lesion", description: "Whether the lesion has bled.", fields: ["bleed"]),
            RiskFactor(id: "elevation", name: "Elevated lesion", description: "Whether the lesion is raised above the skin.", fields: ["elevation"]),
            RiskFactor(id: "smoke", name: "Smoking", description: "Whether the patient smokes.", fields: ["smoke"]),
            RiskFactor(id: "drink", name: "Alcohol consumption", description: "Whether the patient drinks alcohol.", fields: ["drink"]),
            RiskFactor(id: "pesticide", name: "Pesticide exposure",
                       description: "Whether the patient works or lives with pesticides (mostly farm work).", fields: ["pesticide"]),
            RiskFactor(id: "skin_cancer_history", name: "Personal history of skin cancer",
                       description: "Whether the patient has had skin cancer before.", fields: ["skin_cancer_history"]),
            RiskFactor(id: "cancer_history", name: "Family history of cancer",
                       description: "Whether a member of the patient's family has had cancer.", fields: ["cancer_history"]),
            RiskFactor(id: "has_piped_water", name: "Piped water",
                       description: "Whether the home has piped water (a marker of living conditions and rural life).", fields: ["has_piped_water"]),
            RiskFactor(id: "has_sewage_system", name: "Sewage system",
                       description: "Whether the home is connected to a sewage system (a marker of living conditions).", fields: ["has_sewage_system"]),
            RiskFactor(id: "background", name: "Family background",
                       description: "The country of origin of the patient's father and mother (mostly European immigrant families, or Brazilian).",
                       fields: ["background_father", "background_mother"]),
        ]
        var table: [String: RiskFactor] = [:]
        for factor in factors { for field in factor.fields { table[field] = factor } }
        return table
    }()
}
