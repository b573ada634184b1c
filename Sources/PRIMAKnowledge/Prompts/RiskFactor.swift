/// A risk factor the knowledge corpus describes: one or more metadata fields of a dataset.
public struct RiskFactor: Sendable, Codable, Equatable, Identifiable {
    /// The key used in corpus entries (``KnowledgeEntry/riskFactor``): the metadata field's name, or a group
    /// name when several fields describe one factor (`diameter` for `diameter_1` and `diameter_2`).
    public var id: String
    /// A readable name for prompts ("Fitzpatrick skin type").
    public var name: String
    /// What the factor records, in one or two sentences, so that the generator knows what is asked.
    public var description: String
    /// The dataset's metadata fields the factor covers (empty for factors outside any metadata file).
    public var fields: [String]

    /// A risk factor.
    public init(id: String, name: String, description: String, fields: [String] = []) {
        self.id = id
        self.name = name
        self.description = description
        self.fields = fields
    }
}

/// One class of a dataset, as the corpus names it.
public struct DiagnosisLabel: Sendable, Codable, Equatable {
    /// The label as the dataset writes it (`BCC`, `fungal`); the key of the paragraph in answers and entries.
    public var code: String
    /// The full name ("Basal cell carcinoma").
    public var name: String

    /// A diagnosis.
    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}

/// What a knowledge corpus is about: a dataset's risk factors and diagnoses.
public struct KnowledgeDataset: Sendable, Codable, Equatable {
    /// The key used in corpus entries (``KnowledgeEntry/dataset``): `pad-ufes-20`, `aqua`.
    public var id: String
    /// What the dataset's samples are, for the prompt ("skin lesions photographed with smartphones").
    public var subject: String
    /// The risk factors, in the order they are generated.
    public var riskFactors: [RiskFactor]
    /// The diagnoses, in the order of the answer's paragraphs.
    public var diagnoses: [DiagnosisLabel]

    /// A dataset description.
    public init(id: String, subject: String, riskFactors: [RiskFactor], diagnoses: [DiagnosisLabel]) {
        self.id = id
        self.subject = subject
        self.riskFactors = riskFactors
        self.diagnoses = diagnoses
    }

    /// The risk factor with `id`, if any.
    public func riskFactor(_ id: String) -> RiskFactor? { riskFactors.first { $0.id == id } }
}
