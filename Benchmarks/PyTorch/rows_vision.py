"""PyTorch twin of Benchmarks/Swift/VisionRows.swift: transformers' DINOv3ViTModel, ViT-S/16 (random seeded
weights), batch 8, 224x224; inference without gradients, training with every parameter trainable, and
rank-32 LoRA (PEFT's layout: A kaiming-uniform, B zeros, scaling alpha / r = 1) on q/k/v/o with the backbone
frozen. Loss: mean of last_hidden_state. Each row also prints `<row>_peak_rss_mib` (freed heap returned with
malloc_trim and the peak reset through /proc/self/clear_refs before the row, so earlier rows do not count).

ROWS = [(name, zero-argument function returning median seconds)]. Standalone: python rows_vision.py
(threads: PRIMA_NUM_THREADS, default 2).
"""
import ctypes
import gc
import math
import os
import sys
import time

import torch
from transformers import DINOv3ViTConfig, DINOv3ViTModel

VITS16 = dict(hidden_size=384, intermediate_size=1536, num_hidden_layers=12, num_attention_heads=6, patch_size=16,
              image_size=224, num_register_tokens=4, layerscale_value=1.0, layer_norm_eps=1e-5, rope_theta=100.0)


def median(body, warmup=1, min_runs=5, max_runs=200, min_seconds=1.0):
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


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024
    return 0.0


def measuring_peak_memory(name, body):
    def run():
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass
        seconds = body()
        print(f"{name}_peak_rss_mib\t{peak_rss_mib()}", flush=True)
        return seconds
    return name, run


def model():
    torch.manual_seed(0)
    return DINOv3ViTModel(DINOv3ViTConfig(**VITS16))


def pixels():
    return torch.randn(8, 3, 224, 224, generator=torch.Generator().manual_seed(1))


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


def inference():
    encoder, x = model().eval(), pixels()
    with torch.no_grad():
        return median(lambda: encoder(pixel_values=x))


def train(encoder):
    x = pixels()

    def step():
        encoder(pixel_values=x).last_hidden_state.mean().backward()
        encoder.zero_grad(set_to_none=True)
    return median(step)


def train_full():
    return train(model().train())


def train_lora():
    encoder = model().train()
    encoder.requires_grad_(False)
    for layer in encoder.model.layer:
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            setattr(layer.attention, name, LoRALinear(getattr(layer.attention, name)))
    return train(encoder)


ROWS = [
    measuring_peak_memory("dinov3_vits16_b8_inference", inference),
    measuring_peak_memory("dinov3_vits16_b8_train_full", train_full),
    measuring_peak_memory("dinov3_vits16_b8_train_lora32", train_lora),
]

if __name__ == "__main__":
    torch.set_num_threads(int(os.environ.get("PRIMA_NUM_THREADS", "2")))
    filters = sys.argv[1:]
    for name, run in ROWS:
        if not filters or any(name.startswith(f) for f in filters):
            print(f"{name}\t{run()}", flush=True)
