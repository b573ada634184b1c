/// PRIMAText: the text side of PRIMA.
///
/// Tokenization (`Tokenization/`): ``Tokenizer`` reads a Hugging Face `tokenizer.json` — byte-level BPE
/// (the pipelines of ModernBERT and Qwen3) and WordPiece (BERT, such as all-MiniLM-L6-v2) — encodes single
/// texts and batches (truncation, padding, attention masks, special tokens) and decodes, giving the same ids
/// as the `tokenizers` library. ``BatchEncoding`` turns a padded batch into `[batch, length]` tensors for the
/// text encoders. Malformed files throw a ``TokenizerError`` naming the file, the JSON key and the problem.
public enum PRIMAText {}
