/// Renders approved corpus entries into the texts the text encoder is refined on.
///
/// Each entry gives one text for its summary (`"<risk factor>: <summary>"`) and one per diagnosis
/// (`"<risk factor> and <diagnosis>: <paragraph>"`) **[ours]**, so that the risk factor's name and the diagnosis'
/// name sit next to what links them — what masked-language modelling then learns to predict.
public enum RefinementTexts {
    /// The training texts of the approved entries of `corpus`, in corpus order.
    /// - Throws: ``KnowledgeError`` when no entry is approved (pending and rejected entries never train).
    public static func texts(of corpus: KnowledgeCorpus, source: String) throws -> [String] {
        let approved = corpus.approvedEntries
        guard !approved.isEmpty else {
            throw KnowledgeError("\(source): no approved entries (\(corpus.pendingEntries.count) pending review, "
                + "\(corpus.entries.filter { $0.approved == false }.count) rejected); approve entries with `prima-knowledge review` first")
        }
        return approved.flatMap(texts(of:))
    }

    /// The texts of one entry.
    public static func texts(of entry: KnowledgeEntry) -> [String] {
        let factor = entry.riskFactor.replacingOccurrences(of: "_", with: " ")
        return ["\(factor): \(entry.summary)"] + entry.diagnoses.map { "\(factor) and \($0.diagnosis): \($0.text)" }
    }
}
