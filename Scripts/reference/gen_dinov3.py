"""Reference fixtures for the DINOv3 image encoder (Sources/PRIMAVision/DINOv3), from transformers'
DINOv3ViTModel.

Writes into Tests/PRIMAVisionTests/Fixtures/:
- dinov3_<model>/config.json + model.safetensors: tiny models written by `save_pretrained` (plain and
  gated MLP, 0 and 4 registers, key bias), random weights (not HF's init, so that biases, norms and layer
  scales all matter);
- dinov3_<case>.json: eval-mode forward (last_hidden_state, pooler_output) and gradients of sum(out * probe)
  with respect to the pixels and several parameters (square and non-square inputs, batch 2, masked patches);
  computed in float64 from the float32 weights, and checked against the float32 model;
- dinov3_rope.json: the RoPE cos/sin tables of DINOv3ViTRopePositionEmbedding for several grids, and the
  training-mode coordinate augmentation with its random draws;
- dinov3_keys.json: for the four public configurations (ViT-S/16, ViT-S+/16, ViT-B/16, ViT-L/16), the
  config.json that `save_pretrained` writes and every checkpoint key with its shape (model built on the
  meta device: no memory).

Run: python Scripts/reference/gen_dinov3.py
"""
import json
import math
import os
import re
import tempfile

import torch
from safetensors.torch import load_file
from transformers import DINOv3ViTConfig, DINOv3ViTModel
from transformers.models.dinov3_vit.modeling_dinov3_vit import (DINOv3ViTRopePositionEmbedding,
                                                                augment_patches_center_coordinates,
                                                                get_patches_center_coordinates)

from fixture import FIXTURE_ROOT, case, probe, write

torch.set_num_threads(1)
TARGET = "PRIMAVisionTests"
FOLDER = os.path.join(FIXTURE_ROOT, TARGET, "Fixtures")

TINY = {
    # hidden 32, 2 heads of 16, 2 layers, patch 4.
    "plain_reg4": dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                       patch_size=4, image_size=16, num_register_tokens=4, use_gated_mlp=False,
                       hidden_act="gelu"),
    "gated_reg0": dict(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=2,
                       patch_size=4, image_size=16, num_register_tokens=0, use_gated_mlp=True,
                       hidden_act="silu", layerscale_value=0.5),
    "keybias": dict(hidden_size=24, intermediate_size=40, num_hidden_layers=2, num_attention_heads=3,
                    patch_size=[4, 2], image_size=16, num_register_tokens=1, key_bias=True, mlp_bias=False,
                    proj_bias=False, layer_norm_eps=1e-6, rope_theta=1000.0, num_channels=2),
}

PUBLIC = {
    "vits16": dict(hidden_size=384, intermediate_size=1536, num_hidden_layers=12, num_attention_heads=6),
    "vits16plus": dict(hidden_size=384, intermediate_size=1536, num_hidden_layers=12, num_attention_heads=6,
                       use_gated_mlp=True, hidden_act="silu"),
    "vitb16": dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12),
    "vitl16": dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16),
}
PUBLIC_COMMON = dict(patch_size=16, image_size=224, num_register_tokens=4, layerscale_value=1.0,
                     layer_norm_eps=1e-5, rope_theta=100.0, query_bias=True, key_bias=False, value_bias=True,
                     proj_bias=True, mlp_bias=True, pos_embed_rescale=2.0)


def randomize(model, seed):
    """Replaces HF's init (zero biases, unit norms and layer scales) by values that make every parameter
    matter; weights ~ N(0, 1/fan_in) keep activations O(1)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.numel() == 0:
                continue
            if name.endswith("lambda1"):
                p.copy_(0.5 + torch.rand(p.shape, generator=g))
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() >= 2 and "token" not in name:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(fan_in))
            else:
                p.copy_(torch.randn(p.shape, generator=g))


def saved_shapes(model):
    """Key -> shape as `save_pretrained` writes them: transformers keeps the encoder layers under
    `model.layer.N` in memory but reads and writes `layer.N` (its dinov3_vit weight renaming)."""
    return {re.sub(r"^model\.layer\.", "layer.", k): list(v.shape) for k, v in model.state_dict().items()}


def tiny_model(name, seed):
    config = DINOv3ViTConfig(**TINY[name])
    model = DINOv3ViTModel(config)
    randomize(model, seed)
    model.eval()
    folder = os.path.join(FOLDER, "dinov3_" + name)
    model.save_pretrained(folder)
    saved = load_file(os.path.join(folder, "model.safetensors"))
    expected = saved_shapes(model)
    assert {k: list(v.shape) for k, v in saved.items()} == expected, f"{name}: save_pretrained keys differ"
    print(f"wrote {os.path.relpath(folder)} ({len(saved)} tensors)")
    return model


GRAD_PARAMS = [
    "embeddings.patch_embeddings.weight", "embeddings.patch_embeddings.bias", "embeddings.cls_token",
    "embeddings.register_tokens", "model.layer.0.attention.q_proj.weight", "model.layer.0.attention.k_proj.weight",
    "model.layer.0.attention.v_proj.bias", "model.layer.1.attention.o_proj.weight",
    "model.layer.0.layer_scale1.lambda1", "model.layer.1.layer_scale2.lambda1", "model.layer.0.norm1.bias",
    "model.layer.1.mlp.down_proj.weight", "model.layer.0.mlp.up_proj.weight", "model.layer.0.mlp.gate_proj.weight",
    "norm.weight",
]


def forward_case(name, model, model_name, batch, height, width, seed, masked=False):
    config = model.config
    g = torch.Generator().manual_seed(seed)
    pixels = torch.randn(batch, config.num_channels, height, width, generator=g)
    ph, pw = (config.patch_size, config.patch_size) if isinstance(config.patch_size, int) else config.patch_size
    patches = (height // ph) * (width // pw)
    mask = None
    inputs = {"pixels": pixels}
    if masked:
        mask = torch.rand(batch, patches, generator=g) < 0.3
        inputs["mask"] = mask.float()
    with torch.no_grad():
        out32 = model(pixel_values=pixels, bool_masked_pos=mask)

    ref = DINOv3ViTModel(config)
    ref.load_state_dict(model.state_dict())
    ref = ref.double().eval()
    x = pixels.double().requires_grad_()
    out = ref(pixel_values=x, bool_masked_pos=mask)
    hidden = out.last_hidden_state
    assert torch.allclose(hidden.float(), out32.last_hidden_state, atol=1e-4), f"{name}: float32 and float64 differ"
    w = probe(hidden.shape, seed=seed + 1).double()
    (hidden * w).sum().backward()
    inputs["probe"] = w
    params = dict(ref.named_parameters())
    grads = {"pixels": x.grad}
    for key in GRAD_PARAMS:
        p = params.get(key)
        if p is not None and p.numel() > 0:
            grads[key] = p.grad
    return case(name, inputs, {"last_hidden_state": hidden, "pooler_output": out.pooler_output}, grads,
                params={"model": "dinov3_" + model_name})


def rope_cases():
    cases = []
    for name, config, (h, w) in [("square", TINY["plain_reg4"], (4, 4)), ("wide", TINY["keybias"], (3, 5)),
                                 ("vits16_grid", dict(PUBLIC["vits16"], **PUBLIC_COMMON), (3, 7))]:
        rope = DINOv3ViTRopePositionEmbedding(DINOv3ViTConfig(**config)).eval()
        ph, pw = (16, 16) if name == "vits16_grid" else ((4, 4) if name == "square" else (4, 2))
        pixels = torch.zeros(1, 3, h * ph, w * pw)
        cos, sin = rope(pixels)
        cases.append(case("rope_" + name, {}, {"cos": cos, "sin": sin}, params={
            "gridHeight": h, "gridWidth": w, "headDim": rope.head_dim, "theta": rope.base}))
    # Training-mode augmentation: the draws are regenerated from the same seed and checked against HF.
    coords = get_patches_center_coordinates(3, 4, dtype=torch.float32, device="cpu")
    shift, jitter, rescale = 0.1, 1.5, 2.0
    torch.manual_seed(5)
    augmented = augment_patches_center_coordinates(coords, shift=shift, jitter=jitter, rescale=rescale)
    torch.manual_seed(5)
    shift_hw = torch.empty((1, 2)).uniform_(-shift, shift)
    log_jitter = torch.empty((1, 2)).uniform_(-math.log(jitter), math.log(jitter))
    log_rescale = torch.empty(1).uniform_(-math.log(rescale), math.log(rescale))
    manual = (coords + shift_hw) * log_jitter.exp() * log_rescale.exp()
    assert torch.allclose(manual, augmented), "augmentation draws not reproduced"
    cases.append(case("augment", {"shift": shift_hw.reshape(2), "logJitter": log_jitter.reshape(2),
                                  "logRescale": log_rescale},
                      {"coordinates": coords, "augmented": augmented}, params={"gridHeight": 3, "gridWidth": 4}))
    return cases


def public_keys():
    result = {}
    for name, sizes in PUBLIC.items():
        config = DINOv3ViTConfig(**sizes, **PUBLIC_COMMON)
        with torch.device("meta"):
            model = DINOv3ViTModel(config)
        with tempfile.TemporaryDirectory() as tmp:
            config.save_pretrained(tmp)
            with open(os.path.join(tmp, "config.json")) as f:
                config_json = json.load(f)
        result[name] = {"config": config_json,
                        "shapes": saved_shapes(model)}
    path = os.path.join(FOLDER, "dinov3_keys.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.relpath(path)}")


def main():
    models = {name: tiny_model(name, seed) for seed, name in enumerate(TINY)}
    cases = [
        forward_case("plain_reg4_square", models["plain_reg4"], "plain_reg4", 2, 16, 16, seed=10),
        forward_case("plain_reg4_nonsquare_masked", models["plain_reg4"], "plain_reg4", 2, 12, 20, seed=11,
                     masked=True),
        forward_case("gated_reg0_nonsquare", models["gated_reg0"], "gated_reg0", 2, 8, 16, seed=12),
        forward_case("keybias_nonsquare", models["keybias"], "keybias", 1, 12, 10, seed=13),
    ]
    for c in cases:  # one file per case keeps each fixture small
        write(TARGET, "dinov3_" + c["name"], "Scripts/reference/gen_dinov3.py", [c])
    write(TARGET, "dinov3_rope", "Scripts/reference/gen_dinov3.py", rope_cases())
    public_keys()


if __name__ == "__main__":
    main()
