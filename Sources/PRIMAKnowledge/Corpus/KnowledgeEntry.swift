import Foundation

/// One entry of the knowledge corpus: what the literature says about one risk factor of one dataset, as a global
/// summary and one paragraph per diagnosis, with where it came from and whether a clinician approved it.
///
/// The corpus is a JSON Lines file, one entry per line, keyed in snake case:
///
/// ```json
/// {"id":"pad-ufes-20/smoke","dataset":"pad-ufes-20","risk_factor":"smoke","summary":"…",
///  "diagnoses":[{"diagnosis":"SCC","text":"…"}],
///  "provenance":{"retrieved_chunk_ids":["doc1#0"],"generator":"qwen3 …","settings":{…},"created_at":"2026-12-03T10:40:00Z"},
///  "approved":null,"reviewer":null,"notes":null}
/// ```
///
/// `approved` is `null` while the entry waits for review, then `true` or `false`; only approved entries are used to
/// refine the text encoder. `approved`, `reviewer` and `notes` are always written, `null` when empty.
public struct KnowledgeEntry: Sendable, Codable, Equatable, Identifiable {
    /// Unique within a corpus; by default `"<dataset>/<risk factor>"`.
    public var id: String
    /// The dataset the risk factor belongs to (`pad-ufes-20`).
    public var dataset: String
    /// The risk factor described, as the dataset's metadata names it (`smoke`, `fitspatrick`).
    public var riskFactor: String
    /// What the risk factor is and how it relates to the dataset's diseases overall.
    public var summary: String
    /// One paragraph per diagnosis, in the order the generator was asked for them.
    public var diagnoses: [DiagnosisKnowledge]
    /// How the entry was made.
    public var provenance: KnowledgeProvenance
    /// The clinician's verdict: `true` approved, `false` rejected, `nil` pending review.
    public var approved: Bool?
    /// Who reviewed the entry, nil before review.
    public var reviewer: String?
    /// The reviewer's remarks, if any.
    public var notes: String?

    /// An entry; pending review unless `approved` says otherwise. `id` defaults to `"<dataset>/<riskFactor>"`.
    public init(id: String? = nil, dataset: String, riskFactor: String, summary: String, diagnoses: [DiagnosisKnowledge],
                provenance: KnowledgeProvenance, approved: Bool? = nil, reviewer: String? = nil, notes: String? = nil) {
        self.id = id ?? "\(dataset)/\(riskFactor)"
        self.dataset = dataset
        self.riskFactor = riskFactor
        self.summary = summary
        self.diagnoses = diagnoses
        self.provenance = provenance
        self.approved = approved
        self.reviewer = reviewer
        self.notes = notes
    }

    /// True while no reviewer has approved or rejected the entry.
    public var isPendingReview: Bool { approved == nil }

    private enum CodingKeys: String, CodingKey {
        case id, dataset, riskFactor = "risk_factor", summary, diagnoses, provenance, approved, reviewer, notes
    }

    /// Decodes an entry; `approved`, `reviewer` and `notes` may be missing (pending).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        dataset = try c.decode(String.self, forKey: .dataset)
        riskFactor = try c.decode(String.self, forKey: .riskFactor)
        summary = try c.decode(String.self, forKey: .summary)
        diagnoses = try c.decode([DiagnosisKnowledge].self, forKey: .diagnoses)
        provenance = try c.decode(KnowledgeProvenance.self, forKey: .provenance)
        approved = try c.decodeIfPresent(Bool.self, forKey: .approved)
        reviewer = try c.decodeIfPresent(String.self, forKey: .reviewer)
        notes = try c.decodeIfPresent(String.self, forKey: .notes)
    }

    /// Encodes every field, the review fields as `null` when empty so that a reviewer sees them in the file.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(riskFactor, forKey: .riskFactor)
        try c.encode(summary, forKey: .summary)
        try c.encode(diagnoses, forKey: .diagnoses)
        try c.encode(provenance, forKey: .provenance)
        try c.encode(approved, forKey: .approved)
        try c.encode(reviewer, forKey: .reviewer)
        try c.encode(notes, forKey: .notes)
    }
}

/// What the corpus says about one risk factor and one diagnosis.
public struct DiagnosisKnowledge: Sendable, Codable, Equatable {
    /// The diagnosis as the dataset labels it (`BCC`, `fungal`).
    public var diagnosis: String
    /// The paragraph relating the risk factor to this diagnosis.
    public var text: String

    /// A paragraph about `diagnosis`.
    public init(diagnosis: String, text: String) {
        self.diagnosis = diagnosis
        self.text = text
    }
}

/// Where an entry came from: the retrieved chunks the generator read, the generator and its settings, and when.
public struct KnowledgeProvenance: Sendable, Codable, Equatable {
    /// Ids of the knowledge-base chunks put into the prompt (``KnowledgeChunk/id``), best first.
    public var retrievedChunkIDs: [String]
    /// The generator's ``TextGenerator/identity``.
    public var generator: String
    /// The sampling settings of the generation.
    public var settings: GenerationSettings
    /// When the entry was generated (written as ISO 8601 UTC, to the second).
    public var createdAt: Date
    /// The retrieval query, if it differs from the risk factor's name.
    public var query: String?

    /// Provenance of an entry generated now unless `createdAt` is given.
    public init(retrievedChunkIDs: [String], generator: String, settings: GenerationSettings, createdAt: Date = Date(),
                query: String? = nil) {
        self.retrievedChunkIDs = retrievedChunkIDs
        self.generator = generator
        self.settings = settings
        // Whole seconds, so that an entry equals itself after a round trip through the file.
        self.createdAt = Date(timeIntervalSince1970: createdAt.timeIntervalSince1970.rounded(.down))
        self.query = query
    }

    private enum CodingKeys: String, CodingKey {
        case retrievedChunkIDs = "retrieved_chunk_ids", generator, settings, createdAt = "created_at", query
    }

    /// Decodes provenance; `created_at` must be an ISO 8601 date-time.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        retrievedChunkIDs = try c.decode([String].self, forKey: .retrievedChunkIDs)
        generator = try c.decode(String.self, forKey: .generator)
        settings = try c.decode(GenerationSettings.self, forKey: .settings)
        let stamp = try c.decode(String.self, forKey: .createdAt)
        guard let date = ISO8601DateFormatter().date(from: stamp) else {
            throw DecodingError.dataCorruptedError(forKey: .createdAt, in: c,
                                                   debugDescription: "\"\(stamp)\" is not an ISO 8601 date-time")
        }
        createdAt = date
        query = try c.decodeIfPresent(String.self, forKey: .query)
    }

    /// Encodes provenance with `created_at` as ISO 8601 UTC.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(retrievedChunkIDs, forKey: .retrievedChunkIDs)
        try c.encode(generator, forKey: .generator)
        try c.encode(settings, forKey: .settings)
        try c.encode(ISO8601DateFormatter().string(from: createdAt), forKey: .createdAt)
        try c.encodeIfPresent(query, forKey: .query)
    }
}
