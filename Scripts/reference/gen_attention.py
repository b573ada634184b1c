"""Reference outputs and gradients for Tensor.scaledDotProductAttention (Ops/Attention.swift).

Each case is computed by an explicit softmax(scale * Q K^T + bias + mask) V in PyTorch autograd that maps
rows with no visible key to 0 (the Swift convention), and - wherever no row is fully masked - checked
against torch.nn.functional.scaled_dot_product_attention with the same mask, so the fixture is tied to
PyTorch's own kernel. Query i sits at key position i + (Lk - Lq) (bottom-right alignment).
Inputs are float32; the outputs and gradients are computed in float64 and rounded, so the Swift float32
kernel is measured against the exact result rather than against another float32 rounding.

Writes Tests/PRIMATensorTests/Fixtures/attention.json (small cases) and attention_blocks.json (several
blocks of 64 queries/keys).

Also writes rotary_embedding.json for Tensor.applyingRotaryEmbedding / Tensor.rotaryEmbedding
(Ops/RotaryEmbedding.swift) from transformers' own LlamaRotaryEmbedding and apply_rotary_pos_emb.
"""
import math

import torch
import torch.nn.functional as F

from transformers import LlamaConfig
from transformers.masking_utils import (causal_mask_function, sliding_window_bidirectional_mask_function,
                                        sliding_window_causal_mask_function)
from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb

from fixture import case, probe, write


def position_mask(lq, lk, pattern, size):
    """Boolean [Lq, Lk], True where query i (at key position i + Lk - Lq) may see key j, from the mask
    functions transformers builds its attention masks with."""
    q_idx = torch.arange(lq)[:, None] + (lk - lq)
    kv_idx = torch.arange(lk)[None, :]
    zero = torch.zeros((), dtype=torch.long)
    if pattern == "full":
        return torch.ones(lq, lk, dtype=torch.bool)
    if pattern == "causal":
        function = causal_mask_function
    elif pattern == "bidirectionalWindow":  # ModernBERT local layers: sliding_window = local_attention // 2
        function = sliding_window_bidirectional_mask_function(size)
    elif pattern == "causalWindow":  # Mistral/Qwen3 sliding_window
        function = sliding_window_causal_mask_function(size)
    else:
        raise ValueError(pattern)
    return function(zero, zero, q_idx, kv_idx).expand(lq, lk)


def reference(q, k, v, pad, bias, pattern, size, scale):
    hq, hkv = q.shape[1], k.shape[1]
    k_rep = k.repeat_interleave(hq // hkv, dim=1)
    v_rep = v.repeat_interleave(hq // hkv, dim=1)
    keep = position_mask(q.shape[2], k.shape[2], pattern, size)[None, None]
    if pad is not None:
        keep = keep & pad.bool()[:, None, None, :]
    s = q @ k_rep.transpose(-1, -2) * scale
    if bias is not None:
        s = s + bias
    s = s.masked_fill(~keep, float("-inf"))
    row_max = s.amax(-1, keepdim=True).detach()
    row_max = torch.where(torch.isinf(row_max), torch.zeros_like(row_max), row_max)
    e = torch.exp(s - row_max)
    denom = e.sum(-1, keepdim=True)
    p = e / torch.where(denom == 0, torch.ones_like(denom), denom)
    return p @ v_rep, keep


def make_case(name, b, hq, hkv, lq, lk, d, seed, pattern="full", size=0, pad_lengths=None, bias_shape=None,
              bias_neg_inf=False, scale=None):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(b, hq, lq, d, generator=g).requires_grad_()
    k = torch.randn(b, hkv, lk, d, generator=g).requires_grad_()
    v = torch.randn(b, hkv, lk, d, generator=g).requires_grad_()
    inputs = {"query": q, "key": k, "value": v}
    pad = None
    if pad_lengths is not None:
        pad = torch.zeros(b, lk)
        for i, n in enumerate(pad_lengths):
            pad[i, :n] = 1
        inputs["keyPaddingMask"] = pad
    bias = None
    if bias_shape is not None:
        bias = torch.randn(*bias_shape, generator=g)
        if bias_neg_inf:  # masks two keys; JSON has no infinity, and -1e30 gives exactly exp(...) = 0 too
            bias[..., 0, 1] = -1e30
            bias[..., -1, -1] = -1e30
        bias.requires_grad_()
        inputs["bias"] = bias
    used_scale = scale if scale is not None else 1 / math.sqrt(d)
    w = probe((b, hq, lq, d), seed=seed + 1)
    inputs["probe"] = w
    q, k, v, w = (t.detach().double().requires_grad_() for t in (q, k, v, w))
    if bias is not None:
        bias = bias.detach().double().requires_grad_()
    out, keep = reference(q, k, v, pad, bias, pattern, size, used_scale)

    if keep.any(-1).all():
        float_mask = torch.zeros(keep.shape, dtype=torch.float64).masked_fill(~keep, float("-inf"))
        if bias is not None:
            float_mask = float_mask + bias.detach()
        torch_out = F.scaled_dot_product_attention(q.detach(), k.detach(), v.detach(), attn_mask=float_mask,
                                                   scale=used_scale, enable_gqa=hq != hkv)
        assert torch.allclose(torch_out, out.detach(), atol=1e-12), f"{name}: reference disagrees with torch SDPA"

    (out * w.detach()).sum().backward()
    grads = {"query": q.grad, "key": k.grad, "value": v.grad}
    if bias is not None:
        grads["bias"] = bias.grad
    params = {"pattern": pattern, "size": size, "scale": scale}
    return case(name, inputs, {"out": out}, grads, params)


def main():
    small = [
        make_case("padding", 2, 2, 2, 7, 7, 8, seed=1, pad_lengths=[7, 4]),
        make_case("causal", 1, 2, 2, 9, 9, 4, seed=2, pattern="causal"),
        make_case("causal_more_keys", 1, 2, 2, 4, 9, 4, seed=3, pattern="causal"),
        make_case("bidirectional_window", 2, 2, 2, 12, 12, 4, seed=4, pattern="bidirectionalWindow", size=2,
                  pad_lengths=[12, 9]),
        make_case("causal_window", 1, 2, 2, 10, 10, 4, seed=5, pattern="causalWindow", size=3),
        make_case("gqa", 2, 4, 2, 6, 6, 4, seed=6, pattern="causal", scale=0.3),
        make_case("bias", 2, 2, 2, 5, 6, 4, seed=7, bias_shape=(2, 1, 5, 6), bias_neg_inf=True),
        make_case("bias_per_head", 1, 2, 1, 5, 5, 4, seed=8, bias_shape=(1, 2, 5, 5), pattern="causal"),
        # Rows 0 and 1 see no key (causal with Lq > Lk), and batch 1 is all padding.
        make_case("fully_masked_rows", 2, 1, 1, 6, 4, 4, seed=9, pattern="causal", pad_lengths=[4, 0]),
    ]
    write("PRIMATensorTests", "attention", "Scripts/reference/gen_attention.py", small)
    blocks = [
        # One (batch, kv head) pair: the backward splits the key blocks across threads.
        make_case("blocks_window_gqa", 1, 2, 1, 140, 140, 4, seed=10, pattern="bidirectionalWindow", size=10,
                  pad_lengths=[133]),
        make_case("blocks_causal", 2, 2, 2, 67, 67, 4, seed=11, pattern="causal"),
        make_case("blocks_full_more_keys", 1, 1, 1, 20, 130, 4, seed=12, pad_lengths=[100]),
    ]
    write("PRIMATensorTests", "attention_blocks", "Scripts/reference/gen_attention.py", blocks)
    write("PRIMATensorTests", "rotary_embedding", "Scripts/reference/gen_attention.py", rope_cases())


def rope_case(name, b, h, head_dim, theta, position_ids, seed):
    """position_ids: [B, L] (HF layout); cos/sin come out [B, L, D] and broadcast as [B, 1, L, D]."""
    config = LlamaConfig(hidden_size=h * head_dim, num_attention_heads=h, head_dim=head_dim, rope_theta=theta)
    rotary = LlamaRotaryEmbedding(config)
    positions = torch.tensor(position_ids)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, h, positions.shape[1], head_dim, generator=g).requires_grad_()
    cos, sin = rotary(x, positions)
    out, _ = apply_rotary_pos_emb(x, x, cos, sin)
    w = probe(out.shape, seed=seed + 1)
    (out * w).sum().backward()
    return case(name, {"x": x, "positions": positions.float(), "probe": w},
                {"out": out, "cos": cos, "sin": sin, "inverseFrequencies": rotary.inv_freq},
                {"x": x.grad}, {"theta": theta, "headDim": head_dim})


def rope_cases():
    return [
        rope_case("shared_positions", 2, 3, 8, 10000.0, [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]], seed=20),
        rope_case("per_batch_positions", 2, 2, 16, 1000000.0, [[3, 7, 100, 1000, 2047], [0, 5, 9, 11, 12]], seed=21),
    ]


if __name__ == "__main__":
    main()
