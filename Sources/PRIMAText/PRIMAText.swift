/// PRIMAText: the text side of PRIMA.
///
/// - Tokenization (`Tokenization/`): ``Tokenizer`` reads a Hugging Face `tokenizer.json` — byte-level BPE
///   (ModernBERT's and Qwen3's pipelines) and WordPiece (BERT) — and encodes single texts and batches
///   (truncation, padding, attention masks, special tokens) and decodes, with the same ids as the
///   `tokenizers` library.
public enum PRIMAText {}
