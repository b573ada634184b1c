/// PRIMAText: the text side of PRIMA.
///
/// Tokenization (`Tokenization/`): ``Tokenizer`` reads a Hugging Face `tokenizer.json` — byte-level BPE
/// (the pipelines of ModernBERT and Qwen3) and WordPiece (BERT, such as all-MiniLM-L6-v2) — encodes single
/// texts and batches (truncation, padding, attention masks, special tokens) and decodes, giving the same ids
/// as the `tokenizers` library. ``BatchEncoding`` turns a padded batch into `[batch, length]` tensors for the
/// text encoders. Malformed files throw a ``TokenizerError`` naming the file, the JSON key and the problem.
///
/// Encoders (`Encoders/`): ``ModernBERTModel`` and ``BERTModel`` (with their masked-LM heads) match
/// transformers and load Hugging Face checkpoints; ``TextEncoder`` builds whichever a folder's `config.json`
/// names (`model_type`) together with its tokenizer and returns the CLS feature, token features and masks;
/// ``MaskedLanguageModelTrainer`` refines an encoder on a corpus with LoRA (PRIMA's knowledge injection).
public enum PRIMAText {}
