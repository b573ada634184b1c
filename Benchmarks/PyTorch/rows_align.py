"""PyTorch twin of Benchmarks/Swift/AlignRows.swift (same row names): one optimiser step of PRIMA's stage 2.

DINOv3 ViT-S/16 (random weights, frozen) with rank-32 LoRA on q/k/v/o (A kaiming-uniform, B zeros, scaling 1)
encodes two 224x224 views of a batch of 16 samples (two forward passes, with gradients into the adapters);
the frozen text encoder encodes 16 texts of 64 tokens without gradients (ModernBERT-base, or all-MiniLM-L6-v2's
BERT shape); linear projection heads map the CLS and token features into a 256-wide shared space; the four
alignment losses (image consistency, global semantic, local semantic with word->patch attention, soft
semantic with metadata vectors of width 64), weighted 0.2/0.3/0.2/0.3 with tau = 0.07; backward; AdamW step
(lr 3e-5, weight decay 1e-3) over the adapters and projections. Word mask: every token but the first and last.

ROWS = [(name, zero-argument function returning median seconds)]. Standalone: python rows_align.py
(threads: PRIMA_NUM_THREADS, default 2).
"""
import math
import os
import sys
import time

import torch
import torch.nn.functional as F
from transformers import BertConfig, BertModel, DINOv3ViTConfig, DINOv3ViTModel, ModernBertConfig, ModernBertModel

VITS16 = dict(hidden_size=384, intermediate_size=1536, num_hidden_layers=12, num_attention_heads=6, patch_size=16,
              image_size=224, num_register_tokens=4, layerscale_value=1.0, layer_norm_eps=1e-5, rope_theta=100.0)
BATCH, TOKENS, SHARED, META, TAU, TAU_LABEL = 16, 64, 256, 64, 0.07, 0.5


def median(body, warmup=1, min_runs=3, max_runs=50, min_seconds=3.0):
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


class LoRALinear(torch.nn.Module):
    def __init__(self, base, rank=32, alpha=32.0):
        super().__init__()
        self.base = base
        self.lora_A = torch.nn.Linear(base.in_features, rank, bias=False)
        self.lora_B = torch.nn.Linear(rank, base.out_features, bias=False)
        torch.nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        torch.nn.init.zeros_(self.lora_B.weight)
        self.scaling = alpha / rank

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x)) * self.scaling


def similarity(a, b):
    return F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).transpose(-1, -2) / TAU


def image_consistency(z1, z2):
    n = z1.shape[0]
    within = similarity(z1, z1).masked_fill(torch.eye(n, dtype=torch.bool), float("-inf"))
    logits = torch.cat([similarity(z1, z2), within], dim=1)
    return F.cross_entropy(logits, torch.arange(n))


def global_semantic(views, text):
    target = torch.arange(text.shape[0])
    total = 0.0
    for image in views:
        s = similarity(image, text)
        total = total + F.cross_entropy(s, target) + F.cross_entropy(s.t(), target)
    return total / 4


def local_semantic(view_tokens, words, word_mask):
    d = words.shape[-1]
    eye = torch.eye(words.shape[1], dtype=torch.bool)
    valid = word_mask[:, :, None] & word_mask[:, None, :]
    counts = word_mask.sum(1).clamp(min=1)
    total = 0.0
    for patches in view_tokens:
        alpha = torch.softmax(words @ patches.transpose(1, 2) / math.sqrt(d), dim=-1)
        context = alpha @ patches
        s = similarity(words, context).masked_fill(~valid, float("-inf"))
        for logits in (s, s.transpose(1, 2)):
            log_p = torch.log_softmax(logits, dim=-1).masked_fill(~valid, 0.0)
            per_sample = -(log_p * eye).sum((1, 2)) / counts
            total = total + per_sample.mean()
    return total / 4


def soft_semantic(views, text, y):
    n = text.shape[0]
    targets = torch.softmax(y @ y.t() / TAU_LABEL, dim=1)
    total = 0.0
    for image in views:
        s = similarity(image, text)
        total = total - (targets * torch.log_softmax(s, dim=1)).sum()
        total = total - (targets * torch.log_softmax(s.t(), dim=1).t()).sum()
    return total / (4 * n * n)


def text_encoder(kind):
    torch.manual_seed(3)
    if kind == "modernbert":
        return ModernBertModel(ModernBertConfig()).eval(), 50368
    config = BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536)
    return BertModel(config, add_pooling_layer=False).eval(), 30522


def step_row(kind):
    def run():
        torch.manual_seed(0)
        vision = DINOv3ViTModel(DINOv3ViTConfig(**VITS16)).train()
        vision.requires_grad_(False)
        for layer in vision.model.layer:
            for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
                setattr(layer.attention, name, LoRALinear(getattr(layer.attention, name)))
        text, vocab = text_encoder(kind)
        text.requires_grad_(False)
        image_projection = torch.nn.Linear(384, SHARED)
        text_projection = torch.nn.Linear(text.config.hidden_size, SHARED)
        trainable = [p for p in vision.parameters() if p.requires_grad]
        trainable += list(image_projection.parameters()) + list(text_projection.parameters())
        optimizer = torch.optim.AdamW(trainable, lr=3e-5, weight_decay=1e-3)
        g = torch.Generator().manual_seed(1)
        view1, view2 = torch.randn(BATCH, 3, 224, 224, generator=g), torch.randn(BATCH, 3, 224, 224, generator=g)
        ids = torch.randint(0, vocab, (BATCH, TOKENS), generator=g)
        mask = torch.ones(BATCH, TOKENS, dtype=torch.long)
        word_mask = torch.ones(BATCH, TOKENS, dtype=torch.bool)
        word_mask[:, 0] = word_mask[:, -1] = False
        y = (torch.rand(BATCH, META, generator=g) < 0.2).float()
        prefix = 1 + VITS16["num_register_tokens"]  # CLS and register tokens

        def step():
            with torch.no_grad():
                hidden = text(input_ids=ids, attention_mask=mask).last_hidden_state
            q_cls, q_words = text_projection(hidden[:, 0]), text_projection(hidden)
            views = [image_projection(vision(pixel_values=v).last_hidden_state) for v in (view1, view2)]
            cls = [v[:, 0] for v in views]
            patches = [v[:, prefix:] for v in views]
            loss = (0.2 * image_consistency(cls[0], cls[1]) + 0.3 * global_semantic(cls, q_cls)
                    + 0.2 * local_semantic(patches, q_words, word_mask) + 0.3 * soft_semantic(cls, q_cls, y))
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        return median(step)
    return run


ROWS = [
    ("align_step_vits16_lora32_b16_modernbert64", step_row("modernbert")),
    ("align_step_vits16_lora32_b16_minilm64", step_row("minilm")),
]

if __name__ == "__main__":
    torch.set_num_threads(int(os.environ.get("PRIMA_NUM_THREADS", "2")))
    filters = sys.argv[1:]
    for name, run in ROWS:
        if not filters or any(name.startswith(f) for f in filters):
            print(f"{name}\t{run()}", flush=True)
