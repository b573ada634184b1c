import Foundation

/// The summary and per-diagnosis paragraphs read from a generator's answer.
public struct ParsedKnowledgeAnswer: Sendable, Equatable {
    /// The global summary.
    public var summary: String
    /// One paragraph per diagnosis, in the dataset's diagnosis order.
    public var diagnoses: [DiagnosisKnowledge]
}

/// Why an answer could not be read: the problem, in words for the error report and the correction prompt.
public struct KnowledgeAnswerProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong ("missing paragraph for MEL").
    public var description: String
}

/// Reads the JSON object that ``KnowledgePromptBuilder`` asks for.
///
/// Tolerated: text or a Markdown code fence around the object (models add them despite instructions), a
/// leading `<think>` block, diagnosis keys in another letter case. Rejected: no JSON object, invalid JSON, an
/// empty summary, a missing or empty paragraph, a diagnosis the dataset does not have.
public struct KnowledgeAnswerParser: Sendable {
    /// The diagnoses every answer must cover.
    public let diagnoses: [DiagnosisLabel]

    /// A parser for the diagnoses of `dataset`.
    public init(dataset: KnowledgeDataset) {
        diagnoses = dataset.diagnoses
    }

    /// The structured answer.
    /// - Throws: ``KnowledgeAnswerProblem`` naming what is wrong.
    public func parse(_ answer: String) throws -> ParsedKnowledgeAnswer {
        var text = answer
        if let close = text.range(of: "</think>") { text = String(text[close.upperBound...]) }
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close else {
            throw KnowledgeAnswerProblem(description: "no JSON object in the answer")
        }
        let json = Data(text[open...close].utf8)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw KnowledgeAnswerProblem(description: "invalid JSON (\((error as NSError).localizedDescription))")
        }
        guard let root = object as? [String: Any] else { throw KnowledgeAnswerProblem(description: "the answer is not a JSON object") }
        guard let summary = (root["summary"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !summary.isEmpty else {
            throw KnowledgeAnswerProblem(description: "\"summary\" is missing, empty or not a string")
        }
        guard let paragraphs = root["diagnoses"] as? [String: Any] else {
            throw KnowledgeAnswerProblem(description: "\"diagnoses\" is missing or not an object keyed by diagnosis")
        }
        let known = Set(diagnoses.map { $0.code.lowercased() })
        let unknown = paragraphs.keys.filter { !known.contains($0.lowercased()) }.sorted()
        guard unknown.isEmpty else {
            throw KnowledgeAnswerProblem(description: "unknown diagnosis key(s) \(unknown.joined(separator: ", "))")
        }
        var byCode: [String: Any] = [:]
        for (key, value) in paragraphs { byCode[key.lowercased()] = value }
        var result: [DiagnosisKnowledge] = []
        for diagnosis in diagnoses {
            guard let paragraph = (byCode[diagnosis.code.lowercased()] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines),
                  !paragraph.isEmpty else {
                throw KnowledgeAnswerProblem(description: "missing or empty paragraph for \(diagnosis.code)")
            }
            result.append(DiagnosisKnowledge(diagnosis: diagnosis.code, text: paragraph))
        }
        return ParsedKnowledgeAnswer(summary: summary, diagnoses: result)
    }
}
