"""Reference fixtures for the bfloat16 frozen-weight mode (`Module.storeFrozenWeights(as: .bfloat16)`).

Writes:
- Tests/PRIMATensorTests/Fixtures/bf16_rounding.json: float32 bit patterns (normals at many scales, exact
  ties with odd and even kept bits, subnormals, overflow, ±0, ±inf, NaNs) and the bfloat16 bit patterns of
  `x.to(torch.bfloat16)`.
- bf16_dinov3.json (PRIMAVisionTests), bf16_modernbert.json (PRIMATextTests), bf16_qwen3.json
  (PRIMAFusionTests): for the tiny parity checkpoints already committed (dinov3_plain_reg4, modernbert_tiny,
  qwen3_untied), one forward and one backward of sum(out * probe * mask), three ways:
    exact     float64 compute with the checkpoint's float32 weights (the float32 reference);
    rounded   float64 compute with the weight of every nn.Linear rounded to bfloat16 (what the Swift mode
              computes: it stores exactly those weights in bfloat16 and accumulates in float32);
    rounded_inputs
              the rounded weights where every nn.Linear also rounds its input to bfloat16 and, backward, the
              output gradient entering its input-gradient product (the bias gradient stays unrounded): what
              the Swift mode computes with `products: .bfloat16`. Computed in float32, not float64: rounding
              is discontinuous, and activations computed in float64 differ from float32 ones in their last
              bits, enough to land on the other side of a bf16 rounding boundary now and then; on these tiny
              models PyTorch's own float32 and float64 runs of this way then differ by up to 2e-3 (outputs)
              and 5e-3 (gradients), which would hide any real error;
    autocast  PyTorch's CPU `torch.autocast(dtype=torch.bfloat16)` on the float32 model (also rounds the
              activations fed to every matmul, so it is looser).
  The gradient is taken with respect to the model's input: the pixels (DINOv3), the input embeddings
  (Qwen3), the token-embedding table (ModernBERT, whose forward starts from token ids). The case lists the
  rounded nn.Linear weights so the Swift test can check it rounds the same set.

Run: python Scripts/reference/gen_bf16.py   (after gen_dinov3.py, gen_text_encoders.py, gen_qwen3.py)
"""
import copy
import json
import os
import types

import torch
from transformers import DINOv3ViTModel, ModernBertModel, Qwen3ForCausalLM

from fixture import FIXTURE_ROOT, case, probe, versions, write

GENERATOR = "Scripts/reference/gen_bf16.py"


def rounding_fixture():
    g = torch.Generator().manual_seed(21)
    scales = torch.tensor([1e-40, 1e-38, 1e-20, 1e-3, 1.0, 3.0, 1e5, 1e30, 3e38])
    normals = (torch.randn(len(scales), 64, generator=g) * scales[:, None]).reshape(-1)
    # Exact ties: the 16 dropped bits are 0x8000; the kept low bit even (0x3F80) and odd (0x3F81).
    tie_bits = [0x3F808000, 0x3F818000, 0xBF808000, 0xBF818000, 0x00008000, 0x00018000, 0x7F7F8000, 0x7F7FFFFF,
                0x3F807FFF, 0x3F808001, 0x80000000, 0x00000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001,
                0x7F800001, 0x7FBFFFFF, 0x00000001, 0x807FFFFF]
    ties = torch.tensor([b - (1 << 32) if b >= 1 << 31 else b for b in tie_bits], dtype=torch.int32).view(torch.float32)
    values = torch.cat([normals, ties])
    float_bits = [b & 0xFFFFFFFF for b in values.view(torch.int32).tolist()]
    bf16_bits = [b & 0xFFFF for b in values.to(torch.bfloat16).view(torch.int16).tolist()]
    path = os.path.join(FIXTURE_ROOT, "PRIMATensorTests", "Fixtures", "bf16_rounding.json")
    with open(path, "w") as f:
        json.dump({"generator": GENERATOR, "versions": versions(), "float_bits": float_bits, "bfloat16_bits": bf16_bits},
                  f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path)} ({len(float_bits)} values)")


def linear_weight_keys(model):
    return sorted(f"{name}.weight" for name, m in model.named_modules() if isinstance(m, torch.nn.Linear))


def round_linear_weights(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.Linear):
                m.weight.copy_(m.weight.to(torch.bfloat16).to(m.weight.dtype))


def to_bf16(t):
    return t.to(torch.bfloat16).to(t.dtype)


class RoundedInputsLinear(torch.autograd.Function):
    """y = bf16(x) Wᵀ + b; backward dX = bf16(dY) W, db = Σ dY; W is a constant (frozen)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(weight)
        ctx.has_bias = bias is not None
        y = to_bf16(x) @ weight.T
        return y + bias if bias is not None else y

    @staticmethod
    def backward(ctx, g):
        (weight,) = ctx.saved_tensors
        bias_grad = g.reshape(-1, g.shape[-1]).sum(0) if ctx.has_bias else None
        return to_bf16(g) @ weight, None, bias_grad


def round_linear_inputs(model):
    for m in model.modules():
        if isinstance(m, torch.nn.Linear):
            m.forward = types.MethodType(lambda self, x: RoundedInputsLinear.apply(x, self.weight, self.bias), m)


def four_ways(model, run):
    """run(model, dtype) -> (output, input gradient); returns {way: (output, gradient)} for every way."""
    results = {}
    for way in ("exact", "rounded", "rounded_inputs", "autocast"):
        m = copy.deepcopy(model)
        if way in ("rounded", "rounded_inputs"):
            round_linear_weights(m)
        if way == "rounded_inputs":
            round_linear_inputs(m)
            results[way] = run(m.float(), torch.float32)
        elif way == "autocast":
            m = m.float()
            with torch.autocast("cpu", dtype=torch.bfloat16):
                results[way] = run(m, torch.float32)
        else:
            results[way] = run(m.double(), torch.float64)
    return results


def fixture_case(name, inputs, results, params):
    outputs = {way: out for way, (out, _) in results.items()}
    grads = {way: grad for way, (_, grad) in results.items()}
    return case(name, inputs, outputs, grads, params)


def dinov3():
    folder = "dinov3_plain_reg4"
    model = DINOv3ViTModel.from_pretrained(os.path.join(FIXTURE_ROOT, "PRIMAVisionTests", "Fixtures", folder)).eval()
    pixels = torch.randn(2, 3, 16, 12, generator=torch.Generator().manual_seed(31))
    weights = probe([2, 1 + 4 + 12, 32], seed=32)

    def run(m, dtype):
        x = pixels.to(dtype).clone().requires_grad_()   # a copy: `.to` of the same dtype is the tensor itself
        out = m(pixel_values=x).last_hidden_state
        (out.float().to(dtype) * weights.to(dtype)).sum().backward()
        return out.detach(), x.grad

    results = four_ways(model, run)
    params = {"folder": folder, "linear_weights": linear_weight_keys(model)}
    write("PRIMAVisionTests", "bf16_dinov3", GENERATOR,
          [fixture_case("dinov3", {"pixels": pixels, "probe": weights}, results, params)])


def modernbert():
    folder = "modernbert_tiny"
    model = ModernBertModel.from_pretrained(os.path.join(FIXTURE_ROOT, "PRIMATextTests", "Fixtures", folder),
                                            attn_implementation="eager").eval()
    g = torch.Generator().manual_seed(41)
    ids = torch.randint(3, model.config.vocab_size, (2, 10), generator=g)
    mask = torch.ones(2, 10, dtype=torch.long)   # no padding: the padded rows of the eager path hold NaN
    weights = probe([2, 10, model.config.hidden_size], seed=42)

    def run(m, dtype):
        for p in m.parameters():
            p.requires_grad_(False)
        table = m.embeddings.tok_embeddings.weight
        table.requires_grad_()
        out = m(input_ids=ids, attention_mask=mask).last_hidden_state
        (out.float().to(dtype) * weights.to(dtype)).sum().backward()
        return out.detach(), table.grad

    results = four_ways(model, run)
    params = {"folder": folder, "linear_weights": linear_weight_keys(model)}
    write("PRIMATextTests", "bf16_modernbert", GENERATOR,
          [fixture_case("modernbert", {"ids": ids.float(), "mask": mask.float(), "probe": weights}, results, params)])


def qwen3():
    folder = "qwen3_untied"
    model = Qwen3ForCausalLM.from_pretrained(os.path.join(FIXTURE_ROOT, "PRIMAFusionTests", "Fixtures", folder),
                                             attn_implementation="sdpa").eval()
    g = torch.Generator().manual_seed(51)
    ids = torch.randint(0, model.config.vocab_size, (2, 6), generator=g)
    mask = torch.ones(2, 6, dtype=torch.long)
    mask[1, 4:] = 0
    weights = probe([2, 6, model.config.vocab_size], seed=52) * mask[..., None]

    def run(m, dtype):
        embeddings = m.model.embed_tokens(ids).detach().requires_grad_()
        out = m(inputs_embeds=embeddings, attention_mask=mask).logits
        (out.float().to(dtype) * weights.to(dtype)).sum().backward()
        return out.detach() * mask[..., None], embeddings.grad

    results = four_ways(model, run)
    params = {"folder": folder, "linear_weights": linear_weight_keys(model)}
    write("PRIMAFusionTests", "bf16_qwen3", GENERATOR,
          [fixture_case("qwen3", {"ids": ids.float(), "mask": mask.float(), "probe": weights}, results, params)])


def main():
    rounding_fixture()
    dinov3()
    modernbert()
    qwen3()
    for name in ("bf16_dinov3", "bf16_modernbert", "bf16_qwen3"):
        target = {"bf16_dinov3": "PRIMAVisionTests", "bf16_modernbert": "PRIMATextTests", "bf16_qwen3": "PRIMAFusionTests"}[name]
        with open(os.path.join(FIXTURE_ROOT, target, "Fixtures", name + ".json")) as f:
            c = json.load(f)["cases"][0]
        report = []
        for kind in ("outputs", "grads"):
            exact = torch.tensor(c[kind]["exact"]["data"])
            scale = exact.abs().max().item()
            for way in ("rounded", "rounded_inputs", "autocast"):
                error = (torch.tensor(c[kind][way]["data"]) - exact).abs().max().item() / scale
                report.append(f"{kind} {way} {error:.2e}")
        print(f"  {name}: max |x - exact| / max |exact|: " + ", ".join(report))


if __name__ == "__main__":
    main()
