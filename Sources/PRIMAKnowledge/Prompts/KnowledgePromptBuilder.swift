/// Builds the chat that asks a generator to describe one risk factor: the dataset, the risk factor, the
/// retrieved passages (each with its chunk id) and the diagnoses, with the answer's format spelled out.
///
/// The answer must be one JSON object, `{"summary": "…", "diagnoses": {"<code>": "…", …}}`, with one paragraph
/// per diagnosis code; ``KnowledgeAnswerParser`` reads it back.
public struct KnowledgePromptBuilder: Sendable, Equatable {
    /// The system message: the generator's role and the ground rules.
    public var systemPrompt: String
    /// The longest passage text quoted, in characters (longer passages are cut, marked with `…`).
    public var maxPassageCharacters: Int

    /// A builder with the default instructions.
    public init(systemPrompt: String = KnowledgePromptBuilder.defaultSystemPrompt, maxPassageCharacters: Int = 2_000) {
        self.systemPrompt = systemPrompt
        self.maxPassageCharacters = maxPassageCharacters
    }

    /// The default system message.
    public static let defaultSystemPrompt = """
        You are a medical knowledge writer. You explain how a patient's risk factor relates to diseases, for \
        clinicians who will review your text before it is used to train a diagnostic model. Base every statement on \
        the passages you are given and on well-established medical knowledge; when the evidence is weak or absent, \
        say so plainly instead of guessing. Write neutral, factual prose without advice to patients. Answer with one \
        JSON object only, no other text.
        """

    /// The chat for `riskFactor` of `dataset` with the retrieved `chunks` (best first).
    public func messages(for riskFactor: RiskFactor, in dataset: KnowledgeDataset, chunks: [KnowledgeChunk]) -> [ChatMessage] {
        var user = "Dataset: \(dataset.id), \(dataset.subject).\n\n"
        user += "Risk factor: \(riskFactor.name) (key \"\(riskFactor.id)\"). \(riskFactor.description)\n\n"
        if chunks.isEmpty {
            user += "No passages were retrieved for this risk factor; rely on well-established knowledge only.\n\n"
        } else {
            user += "Retrieved passages:\n"
            for chunk in chunks { user += "[\(chunk.id)] \(quoted(chunk.text))\n" }
            user += "\n"
        }
        user += "Diagnoses:\n"
        for diagnosis in dataset.diagnoses { user += "- \(diagnosis.code): \(diagnosis.name)\n" }
        let keys = dataset.diagnoses.map { "\"\($0.code)\": \"…\"" }.joined(separator: ", ")
        user += """

            Write a global summary (3 to 5 sentences) of how \(riskFactor.name.lowercased()) relates to these \
            diagnoses, then one paragraph (2 to 4 sentences) per diagnosis saying whether the factor makes it more \
            likely, less likely, or is not informative, and why.
            Answer with exactly this JSON object and nothing else (no code fence, no comments):
            {"summary": "…", "diagnoses": {\(keys)}}
            """
        return [ChatMessage(role: .system, content: systemPrompt), ChatMessage(role: .user, content: user)]
    }

    /// The follow-up message after an answer that could not be parsed.
    public func correction(for problem: String, dataset: KnowledgeDataset) -> ChatMessage {
        let codes = dataset.diagnoses.map(\.code).joined(separator: ", ")
        return ChatMessage(role: .user, content: """
            Your answer could not be used: \(problem). Answer again with only the JSON object \
            {"summary": "…", "diagnoses": {…}} with a non-empty paragraph for each of \(codes).
            """)
    }

    private func quoted(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > maxPassageCharacters ? String(flat.prefix(maxPassageCharacters)) + "…" : flat
    }
}
