/// PRIMAKnowledge: stage 1 of PRIMA — the risk-factor → disease knowledge corpus built with
/// retrieval-augmented generation and clinician vetting, and the refinement of the text encoder on it.
///
/// - Knowledge base: ``DocumentLoader`` reads documents, ``Chunker`` cuts them into overlapping token-sized
///   chunks, ``KnowledgeIndex`` ranks chunks by ``BM25``, by ``SentenceEmbedder`` vectors, or by both fused with
///   ``ReciprocalRankFusion``, and saves itself to a folder.
/// - Corpus: ``KnowledgeEntry`` (one per dataset and risk factor) in a JSON Lines ``KnowledgeCorpus``, reviewed
///   with ``KnowledgeCorpus/review(id:verdict:reviewer:notes:)``.
/// - Generation: a ``TextGenerator`` (local Qwen3 or an OpenAI-compatible endpoint) writes the entries.
/// - Refinement: ``RefinementTexts`` renders the approved entries and ``KnowledgeRefinement`` refines the text
///   encoder on them by masked-language modelling with LoRA.
public enum PRIMAKnowledge {}
