import Foundation
import PRIMAData

/// The knowledge corpus shipped with the package (`Resources/starting_corpus.jsonl`): one approved entry per risk
/// factor of PAD-UFES-20 (``KnowledgeDataset/padUFES20``) and of infectious keratitis
/// (``KnowledgeDataset/aquaKeratitis``), each a summary plus one paragraph per diagnosis.
///
/// The entries were written for this package in its maintainers' own words from public medical knowledge; each
/// names its sources in ``KnowledgeEntry/notes``. They let the text encoder be refined without running a
/// generator. They are not clinical advice: replace or extend them with a corpus your clinicians vetted.
public enum StartingCorpus {
    /// The reviewer recorded on every shipped entry.
    public static let reviewer = "PRIMA-Swift maintainers (written for the package; not clinical advice)"

    /// The shipped corpus.
    /// - Throws: `DataError` if the resource is missing or damaged.
    public static func load() throws -> KnowledgeCorpus {
        guard let url = KnowledgeCorpus.startingCorpusURL else {
            throw DataError(.io, file: "starting_corpus.jsonl", "PRIMAKnowledge was built without its starting corpus resource")
        }
        return try KnowledgeCorpus(contentsOf: url)
    }

    /// The shipped entries of `dataset`.
    public static func entries(for dataset: KnowledgeDataset) throws -> [KnowledgeEntry] {
        try load().entries.filter { $0.dataset == dataset.id }
    }
}
