"""PyTorch/transformers twins of Benchmarks/Swift/TextRows.swift (same row names): ModernBERT-base on 8 x 128
tokens (forward without gradients; forward + backward into every weight) and all-MiniLM-L6-v2 sentence
embeddings (mean-pooled, L2-normalised) of 64 sentences x 32 tokens. Random weights, eval mode (no dropout),
default attention implementation. Threads are set by the caller (bench.py: PRIMA_NUM_THREADS, default 2).
"""
import time

import torch
from transformers import BertConfig, BertModel, ModernBertConfig, ModernBertModel


def median(body, warmup=2, min_runs=7, max_runs=200, min_seconds=1.0):
    for _ in range(warmup):
        body()
    samples = []
    start = time.perf_counter()
    while len(samples) < min_runs or (time.perf_counter() - start < min_seconds and len(samples) < max_runs):
        t0 = time.perf_counter()
        body()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return samples[len(samples) // 2]


def modernbert_base():
    torch.manual_seed(1)
    model = ModernBertModel(ModernBertConfig()).eval()  # ModernBERT-base sizes
    ids = torch.randint(0, 50368, (8, 128))
    return model, ids


def modernbert_fwd():
    model, ids = modernbert_base()

    def body():
        with torch.no_grad():
            model(input_ids=ids)
    return median(body, min_runs=3, min_seconds=3)


def modernbert_fwdbwd():
    model, ids = modernbert_base()
    probe = torch.randn(8, 128, 768)

    def body():
        (model(input_ids=ids).last_hidden_state * probe).sum().backward()
        model.zero_grad(set_to_none=True)
    return median(body, min_runs=3, min_seconds=3)


def minilm_embed():
    torch.manual_seed(2)
    model = BertModel(BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                                 intermediate_size=1536), add_pooling_layer=False).eval()
    ids = torch.randint(0, 30522, (64, 32))
    mask = torch.ones(64, 32, dtype=torch.long)

    def body():
        with torch.no_grad():
            hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask[..., None].float()
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
            torch.nn.functional.normalize(pooled, p=2, dim=1)
    return median(body, min_runs=5)


ROWS = [
    ("modernbert_base_fwd_8x128", modernbert_fwd),
    ("modernbert_base_fwdbwd_8x128", modernbert_fwdbwd),
    ("minilm_embed_64x32", minilm_embed),
]
