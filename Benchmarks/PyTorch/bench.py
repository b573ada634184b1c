"""PyTorch twin of prima-bench: same row names, same shapes, median seconds per call.

Usage: python Benchmarks/PyTorch/bench.py [row-name-prefix ...]   (threads: PRIMA_NUM_THREADS, default 2)
PRIMA_BENCH_AUTOCAST=bf16 runs every row under torch.autocast("cpu", dtype=torch.bfloat16): PyTorch's fastest
CPU configuration on machines with AVX-512 BF16 (oneDNN bf16 kernels, float32 weights and accumulation).
"""
import glob
import importlib
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("PRIMA_NUM_THREADS", "2")))
torch.manual_seed(0)


def median(body, warmup=2, min_runs=7, max_runs=200, min_seconds=1.0, inner=1):
    for _ in range(warmup):
        body()
    samples = []
    start = time.perf_counter()
    while len(samples) < min_runs or (time.perf_counter() - start < min_seconds and len(samples) < max_runs):
        t0 = time.perf_counter()
        for _ in range(inner):
            body()
        samples.append((time.perf_counter() - t0) / inner)
    samples.sort()
    return samples[len(samples) // 2]


def matmul_row(n):
    a, b = torch.randn(n, n), torch.randn(n, n)

    def run():
        with torch.no_grad():
            return median(lambda: torch.matmul(a, b), min_runs=5)
    return f"matmul_{n}", run


def unary_rows(name, shape, op):
    def fwd():
        x = torch.randn(*shape)
        with torch.no_grad():
            return median(lambda: op(x))

    def fwdbwd():
        x = torch.randn(*shape, requires_grad=True)
        seed = torch.randn(*shape)

        def step():
            op(x).backward(seed)
            x.grad = None
        return median(step)
    return [(f"{name}_fwd", fwd), (f"{name}_fwdbwd", fwdbwd)]


def attention_row(name, b, h, l, d):
    def run():
        q, k, v = (torch.randn(b, h, l, d, requires_grad=True) for _ in range(3))
        seed = torch.randn(b, h, l, d)

        def step():
            F.scaled_dot_product_attention(q, k, v).backward(seed)
            q.grad = k.grad = v.grad = None
        return median(step)
    return name, run


def tiny_rows():
    a, b = torch.randn(4), torch.randn(4)
    ag = torch.randn(4, requires_grad=True)

    def plain():
        with torch.no_grad():
            return median(lambda: a + b, min_runs=5, inner=10_000)
    return [("tiny_add_overhead", plain),
            ("tiny_add_grad_overhead", lambda: median(lambda: ag + b, min_runs=5, inner=10_000))]


rows = [matmul_row(n) for n in (512, 1024, 2048)]
rows += unary_rows("gelu_8x201x1536", (8, 201, 1536), F.gelu)
rows += unary_rows("softmax_8x201x1536", (8, 201, 1536), lambda x: torch.softmax(x, dim=-1))
ln_w, ln_b = torch.randn(384, requires_grad=True), torch.randn(384, requires_grad=True)
rows += unary_rows("layernorm_8x201x384", (8, 201, 384), lambda x: F.layer_norm(x, (384,), ln_w, ln_b, 1e-6))
def linear_row(name, rows_, inputs, outputs):
    def run():
        x, w, b = torch.randn(rows_, inputs), torch.randn(outputs, inputs), torch.randn(outputs)
        with torch.no_grad():
            return median(lambda: F.linear(x, w, b))
    return name, run


rows.append(linear_row("linear_vit_s16_mlp_fwd", 8 * 201, 384, 1536))
rows.append(linear_row("linear_vit_s16_qkv_fwd", 8 * 201, 384, 1152))
rows.append(attention_row("attention_vit_s16_fwdbwd", 8, 6, 201, 64))
rows.append(attention_row("attention_modernbert_fwdbwd", 8, 12, 128, 64))
rows += tiny_rows()

# Model rows live beside this file as rows_<area>.py, each defining ROWS = [(name, run)].
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
for module_file in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "rows_*.py"))):
    rows += importlib.import_module(os.path.basename(module_file)[:-3]).ROWS

AUTOCAST = os.environ.get("PRIMA_BENCH_AUTOCAST", "")
if AUTOCAST not in ("", "bf16"):
    sys.exit(f"PRIMA_BENCH_AUTOCAST must be empty or bf16, got {AUTOCAST!r}")

filters = sys.argv[1:]
for name, run in rows:
    if not filters or any(name.startswith(f) for f in filters):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=AUTOCAST == "bf16"):
            seconds = run()
        print(f"{name}\t{seconds}", flush=True)
print(f"peak_rss_mib\t{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}")
