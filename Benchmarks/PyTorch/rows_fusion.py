"""PyTorch twin of Benchmarks/Swift/FusionRows.swift: a Qwen3-0.6B-sized transformers model with random
weights, the same row names and workloads. Defines ROWS = [(name, zero-argument function -> median seconds)].

One model is built on first use and shared by the rows (the LoRA row attaches adapters to it, so it comes
last). LoRA here is a minimal hand-written adapter (PEFT's layout: A [r, in] kaiming, B [out, r] zeros,
scaling alpha / r), since PEFT is not installed.
"""
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from transformers import Qwen3Config, Qwen3ForCausalLM

torch.set_num_threads(int(os.environ.get("PRIMA_NUM_THREADS", "2")))


def median(body, warmup=1, min_runs=5):
    for _ in range(warmup):
        body()
    samples = []
    for _ in range(min_runs):
        t0 = time.perf_counter()
        body()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return samples[len(samples) // 2]


_model = []


def model():
    if not _model:
        torch.manual_seed(0)
        config = Qwen3Config(vocab_size=151936, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28,
                             num_attention_heads=16, num_key_value_heads=8, head_dim=128, max_position_embeddings=40960,
                             rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True, bos_token_id=151643,
                             eos_token_id=None, pad_token_id=None)
        config._attn_implementation = "sdpa"
        m = Qwen3ForCausalLM(config).eval()
        m.generation_config.eos_token_id = None
        m.generation_config.pad_token_id = 0
        _model.append(m)
    return _model[0]


class LoRALinear(nn.Module):
    def __init__(self, base, rank=16, alpha=32):
        super().__init__()
        self.base = base
        self.lora_A = nn.Linear(base.in_features, rank, bias=False)
        self.lora_B = nn.Linear(rank, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.scaling = alpha / rank

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x)) * self.scaling


def forward_row():
    m = model()
    ids = torch.randint(0, m.config.vocab_size, (4, 64), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return median(lambda: m(input_ids=ids, logits_to_keep=1))


def generate_row():
    m = model()
    prompt = torch.randint(0, m.config.vocab_size, (1, 16), generator=torch.Generator().manual_seed(2))
    mask = torch.ones_like(prompt)
    with torch.no_grad():
        return median(lambda: m.generate(prompt, attention_mask=mask, max_new_tokens=32, min_new_tokens=32,
                                         do_sample=False), min_runs=3) / 32


def lora_row():
    m = model()
    if not any(isinstance(x, LoRALinear) for x in m.modules()):
        for p in m.parameters():
            p.requires_grad_(False)
        for layer in m.model.layers:
            for parent, names in ((layer.self_attn, ("q_proj", "k_proj", "v_proj", "o_proj")),
                                  (layer.mlp, ("gate_proj", "up_proj", "down_proj"))):
                for name in names:
                    setattr(parent, name, LoRALinear(getattr(parent, name)))
    m.train()
    ids = torch.randint(0, m.config.vocab_size, (4, 64), generator=torch.Generator().manual_seed(3))
    labels = torch.tensor([0, 1, 0, 1])
    class_ids = torch.tensor([9454, 2753])

    def step():
        hidden = m.model(input_ids=ids).last_hidden_state[:, -1]
        logits = hidden @ m.lm_head.weight[class_ids].T
        F.cross_entropy(logits, labels).backward()
        m.zero_grad(set_to_none=True)
    return median(step)


ROWS = [
    ("qwen3_0.6b_forward_4x64", forward_row),
    ("qwen3_0.6b_generate32_per_token", generate_row),
    ("qwen3_0.6b_lora_fwdbwd_4x64", lora_row),
]
