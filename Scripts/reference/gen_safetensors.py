"""Reference safetensors files and 16-bit rounding results for Tests/PRIMATensorTests (SafeTensorsTests,
HalfPrecisionTests), written by the real `safetensors` library from PyTorch tensors.

- safetensors_dtypes.safetensors: one tensor per dtype (F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL), scalars,
  empty tensors and several metadata strings; each tensor `k` has a twin `k.as_f32` = k.to(torch.float32),
  the value a Float32 reader must produce. safetensors_dtypes.json repeats the finite twins as JSON, so the
  F32 path itself is checked against numbers that do not come through the reader under test; its case
  "__metadata__" holds the metadata strings as params.
- safetensors_interchange.safetensors: tensors whose values survive Float32 exactly, under keys that need
  sorting and escaping, with one metadata string (the reference writer orders several metadata keys
  arbitrarily); the Swift writer must reproduce this file byte for byte.
- half_rounding.safetensors: `input` (F32: edge cases, ties, subnormals, random magnitudes and random bit
  patterns including NaN/inf), `bf16` = input.to(torch.bfloat16), `f16` = input.to(torch.float16).
"""
import os

import torch
from safetensors.torch import save_file

import fixture

FOLDER = os.path.join(fixture.FIXTURE_ROOT, "PRIMATensorTests", "Fixtures")


def dtype_tensors():
    g = torch.Generator().manual_seed(11)
    t = {
        "f64": torch.tensor([1 / 3, -2.5, 1e-40, -1e-50, 1e300, -1e300, 0.1, 3.4028235677973366e38,
                             float("nan"), float("inf")], dtype=torch.float64),
        "f32": torch.cat([torch.randn(2, 3, generator=g).reshape(-1),
                          torch.tensor([float("inf"), float("-inf"), float("nan"), -0.0, 1e-45])]).reshape(11),
        "f16": torch.tensor([0.0, -0.0, 1.0, -2.0, 65504.0, 6.1e-5, 5.96e-8, 3e-7, float("inf"), float("-inf"),
                             float("nan"), 0.3333], dtype=torch.float16),
        "bf16": (torch.randn(3, 4, generator=g) * 1000).to(torch.bfloat16),
        "i64": torch.tensor([0, -1, 2**24 + 1, -(2**40) - 3, 2**53 + 1, 2**63 - 1, -(2**63)], dtype=torch.int64),
        "i32": torch.tensor([[2**31 - 1, -(2**31)], [16777217, -5]], dtype=torch.int32),
        "i16": torch.tensor([-32768, 32767, 0, -1], dtype=torch.int16),
        "i8": torch.tensor([-128, 127, 0, -7], dtype=torch.int8),
        "u8": torch.arange(0, 256, 17, dtype=torch.uint8),
        "bool": torch.tensor([[True, False, True], [False, False, True]]),
        "scalar.f32": torch.tensor(-3.25),
        "scalar.i64": torch.tensor(42, dtype=torch.int64),
        "scalar.bf16": torch.tensor(0.1, dtype=torch.bfloat16),
        "empty.f32": torch.zeros(0),
        "empty.f16": torch.zeros(2, 0, 3, dtype=torch.float16),
        "empty.u8": torch.zeros(0, 4, dtype=torch.uint8),
    }
    out = {}
    for key, value in t.items():
        out[key] = value.contiguous()
        out[key + ".as_f32"] = value.to(torch.float32).clone()
    return out


def interchange_tensors():
    g = torch.Generator().manual_seed(12)
    return {
        "model.layers.10.weight": torch.randn(3, 2, generator=g),
        "model.layers.2.weight": torch.randn(2, 3, generator=g).to(torch.float16),
        "model.embed.weight": torch.randn(4, 2, generator=g).to(torch.bfloat16),
        "ids": torch.tensor([[0, 5, -7], [1 << 20, 3, 9]], dtype=torch.int64),
        "positions": torch.arange(5, dtype=torch.int32) - 2,
        "mask": torch.tensor([True, False, True, True, False]),
        "pixels": torch.tensor([0, 128, 255], dtype=torch.uint8),
        "double": torch.tensor([0.5, -1.25], dtype=torch.float64),
        "short": torch.tensor([-300, 300], dtype=torch.int16),
        "tiny": torch.tensor([-100, 100], dtype=torch.int8),
        "a": torch.tensor(7.0),
        "b": torch.zeros(0, 2),
        "B": torch.tensor([float("inf"), float("-inf"), float("nan")], dtype=torch.float16),
        "odd \"key\" \\ / \n\t\x01 é 漢": torch.tensor([1.5]),
    }


def half_rounding_inputs():
    g = torch.Generator().manual_seed(13)
    edges = [0.0, -0.0, 1.0, -1.0, float("inf"), float("-inf"), float("nan"),
             65504.0, 65519.99, 65520.0, 65536.0, 1e5, -1e5, 6.103515625e-05, 6.0e-05, 5.960464477539063e-08,
             2.98023223876953125e-08, 2.9802326e-08, 1e-8, 1e-45, -1e-45, 1.17549435e-38, 3.4028235e38, -3.4028235e38,
             3.3895314e38, 3.3961776e38]
    # Exact ties and near-ties of both formats: k + 0.5 ulp for even and odd k, then one float ulp either side.
    ties = []
    for base in torch.tensor([1.0, 1.0078125, 3.0, 1024.0, 0.0001, 1e-6, 2e-7, 100.0, 1e30, 1e-30]):
        for shift in (13, 16):   # half keeps 10 mantissa bits (13 dropped), bfloat16 7 (16 dropped)
            b = base.view(torch.int32).item()
            for k in range(4):
                mid = ((b >> shift) + k << shift) | (1 << (shift - 1))
                ties += [mid - 1, mid, mid + 1]
    ties = torch.tensor(ties, dtype=torch.int32).view(torch.float32)
    magnitudes = torch.randn(2048, generator=g) * torch.pow(10.0, torch.randint(-12, 12, (2048,), generator=g).float())
    bits = torch.randint(-(2**31), 2**31 - 1, (4096,), generator=g, dtype=torch.int64).to(torch.int32).view(torch.float32)
    return torch.cat([torch.tensor(edges), ties, -ties, magnitudes, bits]).contiguous()


def main():
    os.makedirs(FOLDER, exist_ok=True)
    dtypes = dtype_tensors()
    metadata = {"format": "pt", "source": "gen_safetensors.py", "note": "ünïcødé ✓"}
    save_file(dtypes, os.path.join(FOLDER, "safetensors_dtypes.safetensors"), metadata=metadata)
    cases = [fixture.case(k, {}, {"value": v}) for k, v in dtypes.items()
             if k.endswith(".as_f32") and bool(torch.isfinite(v).all())]
    cases.append(fixture.case("__metadata__", {}, {}, params=metadata))
    fixture.write("PRIMATensorTests", "safetensors_dtypes", "gen_safetensors.py", cases)

    save_file(interchange_tensors(), os.path.join(FOLDER, "safetensors_interchange.safetensors"),
              metadata={"comment": "quote\" backslash\\ slash/ tab\t newline\n ctrl\x1f é 漢 🙂"})

    x = half_rounding_inputs()
    save_file({"input": x, "bf16": x.to(torch.bfloat16), "f16": x.to(torch.float16)},
              os.path.join(FOLDER, "half_rounding.safetensors"),
              metadata={"torch": torch.__version__, "safetensors": fixture.versions().get("safetensors", "?")})
    for name in ("safetensors_dtypes", "safetensors_interchange", "half_rounding"):
        path = os.path.join(FOLDER, name + ".safetensors")
        print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
