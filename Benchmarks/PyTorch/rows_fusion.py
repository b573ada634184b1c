"""PyTorch twin of Benchmarks/Swift/FusionRows.swift and StageThreeRows.swift: a Qwen3-0.6B-sized transformers
model with random weights, the same row names and workloads. Defines ROWS = [(name, zero-argument function ->
median seconds)].

One model is built on first use and shared by the qwen3_ rows (the LoRA row attaches adapters to it, so it comes
last); the stage-3 step row builds its own. LoRA here is a minimal hand-written adapter (PEFT's layout: A [r, in]
kaiming, B [out, r] zeros, scaling alpha / r), since PEFT is not installed.
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


def qwen3_0_6b():
    config = Qwen3Config(vocab_size=151936, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28,
                         num_attention_heads=16, num_key_value_heads=8, head_dim=128, max_position_embeddings=40960,
                         rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True, bos_token_id=151643,
                         eos_token_id=None, pad_token_id=None)
    config._attn_implementation = "sdpa"
    return Qwen3ForCausalLM(config).eval()


def model():
    if not _model:
        torch.manual_seed(0)
        m = qwen3_0_6b()
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


def attach_lora(m):
    """Freezes m and puts rank-16 adapters on q/k/v/o/gate/up/down of every layer."""
    for p in m.parameters():
        p.requires_grad_(False)
    for layer in m.model.layers:
        for parent, names in ((layer.self_attn, ("q_proj", "k_proj", "v_proj", "o_proj")),
                              (layer.mlp, ("gate_proj", "up_proj", "down_proj"))):
            for name in names:
                setattr(parent, name, LoRALinear(getattr(parent, name)))


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
        attach_lora(m)
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


class StageThree(nn.Module):
    """PRIMA's stage-3 classifier as the package builds it: projectors (Linear-GELU-Linear for the global tokens;
    Conv2d k2 s2 over the patch grid, then GELU-Linear; Conv1d k2 s2 over the masked text tokens, then GELU-Linear),
    four learnable markers, and the frozen LM with adapters reading
    <prompt> <img_start> [global, patches] x views <img_end> <txt_start> text CLS, text tokens <txt_end>."""

    def __init__(self, llm, image_width, text_width, prompt_ids, class_ids):
        super().__init__()
        hidden = llm.config.hidden_size
        self.llm = llm
        self.image_global = nn.Sequential(nn.Linear(image_width, hidden), nn.GELU(), nn.Linear(hidden, hidden))
        self.text_global = nn.Sequential(nn.Linear(text_width, hidden), nn.GELU(), nn.Linear(hidden, hidden))
        self.patch_conv, self.patch_proj = nn.Conv2d(image_width, hidden, 2, 2), nn.Linear(hidden, hidden)
        self.text_conv, self.text_proj = nn.Conv1d(text_width, hidden, 2, 2), nn.Linear(hidden, hidden)
        self.markers = nn.Parameter(torch.randn(4, hidden) * 0.02)
        self.prompt_ids, self.class_ids = torch.tensor(prompt_ids), torch.tensor(class_ids)

    def forward(self, views, text_cls, text_tokens, text_mask, grid):
        b = text_cls.shape[0]
        image = []
        for global_, patches in views:   # the 14 x 14 grid is even: no padding to cover it
            grid_ = patches.transpose(1, 2).reshape(b, patches.shape[2], *grid)
            image += [self.image_global(global_)[:, None],
                      self.patch_proj(F.gelu(self.patch_conv(grid_).flatten(2).transpose(1, 2)))]
        words = self.text_proj(F.gelu(self.text_conv((text_tokens * text_mask[..., None]).transpose(1, 2)).transpose(1, 2)))
        with torch.no_grad():
            prompt = self.llm.model.embed_tokens(self.prompt_ids)
        m = self.markers
        sequence = torch.cat([prompt.expand(b, -1, -1), m[0:1].expand(b, 1, -1), *image, m[1:3].expand(b, 2, -1),
                              self.text_global(text_cls)[:, None], words, m[3:4].expand(b, 1, -1)], 1)
        positions = torch.arange(sequence.shape[1])[None].expand(b, -1)
        hidden = self.llm.model(inputs_embeds=sequence, attention_mask=torch.ones(b, sequence.shape[1], dtype=torch.long),
                                position_ids=positions).last_hidden_state[:, -1]
        return hidden @ self.llm.lm_head.weight[self.class_ids].T


def fusion_step_row():
    """One optimiser step of stage 3, as Benchmarks/Swift/StageThreeRows.swift: batch 2, two views of ViT-S/16
    features (global + 14x14 patches, width 384), ModernBERT-base text features (CLS + 64 tokens, width 768), a
    16-token prompt, 6 classes; class-weighted cross-entropy, backward, clipping at norm 1, AdamW (1e-5, 3e-2)."""
    torch.manual_seed(4)
    llm = qwen3_0_6b()
    attach_lora(llm)
    llm.train()
    model = StageThree(llm, 384, 768, list(range(1000, 1016)), list(range(2000, 2006)))
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-5, weight_decay=3e-2)
    g = torch.Generator().manual_seed(5)
    batch, grid = 2, (14, 14)
    views = [(torch.randn(batch, 384, generator=g), torch.randn(batch, grid[0] * grid[1], 384, generator=g)) for _ in range(2)]
    text_cls, text_tokens = torch.randn(batch, 768, generator=g), torch.randn(batch, 64, 768, generator=g)
    text_mask = torch.ones(batch, 64)
    labels, weights = torch.tensor([0, 3]), torch.tensor([0.5, 1.5, 1.0, 2.0, 0.8, 1.2])

    def step():
        logits = model(views, text_cls, text_tokens, text_mask, grid)
        F.cross_entropy(logits.float(), labels, weight=weights).backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    return median(step, min_runs=3)


ROWS = [
    ("qwen3_0.6b_forward_4x64", forward_row),
    ("qwen3_0.6b_generate32_per_token", generate_row),
    ("qwen3_0.6b_lora_fwdbwd_4x64", lora_row),
    ("fusion_step_qwen3_0.6b_lora16_b2", fusion_step_row),
]
