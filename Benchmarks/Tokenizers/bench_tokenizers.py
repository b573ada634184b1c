"""Tokenizer throughput of Hugging Face `tokenizers`, one thread: the counterpart of prima-tokenizer-bench.

Encodes every text of Tests/PRIMATextTests/Fixtures/tokenizer_corpus.json one at a time (`Tokenizer.encode`,
special tokens added, padding and truncation off) with each committed tokenizer and prints sentences/s.
Usage: RAYON_NUM_THREADS=1 python bench_tokenizers.py [fixtures-folder] [seconds]
"""
import json
import os
import sys
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
from tokenizers import Tokenizer  # noqa: E402  (after the thread settings)

folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "PRIMATextTests", "Fixtures")
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
texts = json.load(open(os.path.join(folder, "tokenizer_corpus.json")))["texts"]
print(f"corpus: {len(texts)} texts, one thread, encode with special tokens")
for name in ["minilm_tokenizer", "bert_cased_wordpiece_tokenizer", "modernbert_bpe_tokenizer", "qwen3_bpe_tokenizer"]:
    tok = Tokenizer.from_file(os.path.join(folder, name + ".json"))
    tok.no_padding()
    tok.no_truncation()
    tokens_per_pass = sum(len(tok.encode(t).ids) for t in texts)  # warm-up (fills the BPE cache)
    sentences, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for t in texts:
            tok.encode(t)
        sentences += len(texts)
    rate = sentences / (time.perf_counter() - start)
    print(f"{name:<30} {rate:10.0f} sentences/s  ({tokens_per_pass} tokens per pass)")
