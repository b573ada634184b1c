extension KnowledgeDataset {
    /// AQUA-style infectious keratitis: fungal versus bacterial keratitis and their clinical risk factors.
    ///
    /// AQUA is private, so these risk factors come from the keratitis literature rather than from a file
    /// schema; a user's manifest can name its metadata columns after the ids.
    public static var aquaKeratitis: KnowledgeDataset {
        KnowledgeDataset(
            id: "aqua", subject: "infectious keratitis (corneal ulcers) photographed at the slit lamp",
            riskFactors: [
                RiskFactor(id: "trauma", name: "Ocular trauma",
                           description: "Injury to the eye before the infection, especially by organic or vegetative matter (plants, wood, soil)."),
                RiskFactor(id: "contact_lens", name: "Contact-lens wear",
                           description: "Whether the patient wears contact lenses, including overnight wear."),
                RiskFactor(id: "ocular_surface_disease", name: "Ocular surface disease",
                           description: "Pre-existing disease of the ocular surface: dry eye, blepharitis, exposure, neurotrophic cornea, previous herpetic keratitis."),
                RiskFactor(id: "topical_steroids", name: "Topical corticosteroids",
                           description: "Use of corticosteroid eye drops before or during the infection."),
                RiskFactor(id: "ocular_surgery", name: "Prior ocular surgery",
                           description: "Previous surgery on the eye: corneal transplant, cataract or refractive surgery."),
                RiskFactor(id: "systemic_disease", name: "Diabetes or immunosuppression",
                           description: "Diabetes mellitus, immunosuppressive treatment or other systemic immune compromise."),
                RiskFactor(id: "occupation", name: "Agricultural or outdoor occupation",
                           description: "Farm work or other outdoor manual work."),
                RiskFactor(id: "climate", name: "Climate and season",
                           description: "The region's climate (tropical, temperate) and the season of onset (harvest, humid or windy months)."),
                RiskFactor(id: "age", name: "Age", description: "The patient's age in years."),
                RiskFactor(id: "symptom_duration", name: "Duration of symptoms and prior treatment",
                           description: "How long the eye has been symptomatic before presentation and whether antibiotics were already tried."),
            ],
            diagnoses: [DiagnosisLabel(code: "fungal", name: "Fungal keratitis"),
                        DiagnosisLabel(code: "bacterial", name: "Bacterial keratitis")])
    }
}
