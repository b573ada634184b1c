"""Shared writer for the JSON reference fixtures read by the Swift tests (PRIMATestSupport/Fixtures.swift).

A fixture file is {"generator": <script>, "versions": {...pinned library versions...}, "cases": [...]};
each case has "name", "inputs", "params", "outputs" and "grads", tensors as {"shape": [...], "data": [...]}.
Values are float32 printed with enough digits to round-trip exactly.
"""
import json
import os
import sys

import torch

FIXTURE_ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests")


def versions():
    out = {"torch": torch.__version__, "python": sys.version.split()[0]}
    for name in ("numpy", "transformers", "tokenizers", "sklearn", "safetensors"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            pass
    return out


def tensor(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(repr_float(v)) for v in t.reshape(-1).tolist()]}


def repr_float(v):
    # float32 -> shortest decimal that round-trips through float32
    return float(f"{v:.9g}")


def case(name, inputs, outputs, grads=None, params=None):
    return {
        "name": name,
        "inputs": {k: tensor(v) for k, v in inputs.items()},
        "params": params or {},
        "outputs": {k: tensor(v) for k, v in outputs.items()},
        "grads": {k: tensor(v) for k, v in (grads or {}).items()},
    }


def write(target, file_name, generator, cases):
    """Writes Tests/<target>/Fixtures/<file_name>.json."""
    folder = os.path.join(FIXTURE_ROOT, target, "Fixtures")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, file_name + ".json")
    with open(path, "w") as f:
        json.dump({"generator": generator, "versions": versions(), "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path)} ({len(cases)} cases)")


def probe(shape, seed=7):
    """Fixed weights that turn an output into a scalar loss sum(out * w); the Swift side reads them
    from the fixture rather than regenerating them."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g)
