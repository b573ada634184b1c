/// PRIMAKnowledge: stage 1 of PRIMA — the risk-factor → disease knowledge corpus built with
/// retrieval-augmented generation and clinician vetting, and the refinement of the text encoder on it.
public enum PRIMAKnowledge {}
