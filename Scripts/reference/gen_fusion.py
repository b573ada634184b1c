"""Reference fixture for PRIMA stage 3 (Tests/PRIMAFusionTests/Fixtures/fusion), from PyTorch and transformers.

A tiny transformers Qwen3ForCausalLM (tied embeddings) with LoRA on q/k/v/o/gate/up/down (rank 4, alpha 8, written
out here: base(x) + alpha/r * B(A(x))), the stage-3 projectors as torch.nn modules (Linear-GELU-Linear for global
tokens; Conv2d over the zero-padded patch grid then GELU-Linear; Conv1d over the masked, zero-padded text tokens then
GELU-Linear), four learnable markers, and the input

    <prompt> <|img_start|> [img global, patches] x views <|img_end|> <|txt_start|> text CLS, real text tokens <|txt_end|>

right-padded per sample and run through `inputs_embeds`. The class logits are the LM head's logits at each row's last
real position, restricted to the class token ids; the loss is F.cross_entropy with class weights.

Writes fusion/parameters.safetensors (every weight, keyed as the Swift FusionClassifier keys them), fusion/case.safetensors
(inputs, logits, loss, and gradients of the loss for every trainable tensor, computed in float64) and fusion/case.json
(ids, sizes, library versions).

Run: /root/prima-ref/bin/python Scripts/reference/gen_fusion.py
"""
import copy
import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import Qwen3Config, Qwen3ForCausalLM

from fixture import FIXTURE_ROOT, versions

FOLDER = os.path.join(FIXTURE_ROOT, "PRIMAFusionTests", "Fixtures", "fusion")
VOCAB, HIDDEN = 40, 32
IMAGE_WIDTH, TEXT_WIDTH = 8, 6
GRID = (3, 3)              # not a multiple of the stride: exercises the zero padding
KERNEL, STRIDE = 2, 2
RANK, ALPHA = 4, 8.0
PROMPT_IDS = [5, 17, 3, 29, 11]
CLASS_IDS = [21, 8, 33]
TEXT_LENGTHS = [5, 2, 3]   # real text tokens per sample (right padding)
VIEWS = 2
LABELS = [2, 0, 2]
CLASS_WEIGHTS = [0.5, 1.5, 1.0]
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


class LoRALinear(torch.nn.Module):
    def __init__(self, base, generator):
        super().__init__()
        self.base = base
        self.lora_A = torch.nn.Linear(base.in_features, RANK, bias=False)
        self.lora_B = torch.nn.Linear(RANK, base.out_features, bias=False)
        with torch.no_grad():  # B is non-zero so that A's gradient is too (PEFT starts B at zero)
            self.lora_A.weight.copy_(torch.randn(self.lora_A.weight.shape, generator=generator) * 0.3)
            self.lora_B.weight.copy_(torch.randn(self.lora_B.weight.shape, generator=generator) * 0.3)

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x)) * (ALPHA / RANK)


class Fusion(torch.nn.Module):
    def __init__(self, generator):
        super().__init__()
        config = Qwen3Config(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=64, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=256,
                             rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True, attention_bias=False,
                             bos_token_id=None, eos_token_id=None, pad_token_id=None)
        config._attn_implementation = "eager"
        self.llm = Qwen3ForCausalLM(config)
        with torch.no_grad():
            for name, p in self.llm.named_parameters():
                p.copy_(torch.randn(p.shape, generator=generator) * 0.15 if p.dim() == 2 else 1 + 0.2 * torch.randn(p.shape, generator=generator))
        for layer in self.llm.model.layers:
            for parent in (layer.self_attn, layer.mlp):
                for target in TARGETS:
                    if hasattr(parent, target):
                        setattr(parent, target, LoRALinear(getattr(parent, target), generator))
        for name, p in self.llm.named_parameters():
            p.requires_grad_("lora_" in name)
        self.image_global = torch.nn.Sequential(torch.nn.Linear(IMAGE_WIDTH, HIDDEN), torch.nn.GELU(), torch.nn.Linear(HIDDEN, HIDDEN))
        self.text_global = torch.nn.Sequential(torch.nn.Linear(TEXT_WIDTH, HIDDEN), torch.nn.GELU(), torch.nn.Linear(HIDDEN, HIDDEN))
        self.patch_conv = torch.nn.Conv2d(IMAGE_WIDTH, HIDDEN, KERNEL, STRIDE)
        self.patch_proj = torch.nn.Linear(HIDDEN, HIDDEN)
        self.text_conv = torch.nn.Conv1d(TEXT_WIDTH, HIDDEN, KERNEL, STRIDE)
        self.text_proj = torch.nn.Linear(HIDDEN, HIDDEN)
        self.special = torch.nn.Parameter(torch.randn(4, HIDDEN, generator=generator) * 0.5)

    def swift_keys(self):
        """Parameter name here -> the Swift FusionClassifier's key."""
        keys = {}
        for name, _ in self.named_parameters():
            swift = name.replace(".base.", ".")
            swift = (swift.replace("image_global.0.", "image_global_projector.mlp.layers.0.")
                     .replace("image_global.2.", "image_global_projector.mlp.layers.1.")
                     .replace("text_global.0.", "text_global_projector.mlp.layers.0.")
                     .replace("text_global.2.", "text_global_projector.mlp.layers.1.")
                     .replace("patch_conv.", "patch_projector.conv.").replace("patch_proj.", "patch_projector.proj.")
                     .replace("text_conv.", "text_projector.conv.").replace("text_proj.", "text_projector.proj."))
            keys[name] = "special_tokens.weight" if name == "special" else swift
        return keys

    @staticmethod
    def covering(length):
        outputs = -(-max(length - KERNEL, 0) // STRIDE) + 1
        return (outputs - 1) * STRIDE + KERNEL

    def patches(self, tokens):
        b = tokens.shape[0]
        grid = tokens.transpose(1, 2).reshape(b, IMAGE_WIDTH, *GRID)
        grid = F.pad(grid, (0, self.covering(GRID[1]) - GRID[1], 0, self.covering(GRID[0]) - GRID[0]))
        return self.patch_proj(F.gelu(self.patch_conv(grid).flatten(2).transpose(1, 2)))

    def text(self, tokens, mask):
        length = tokens.shape[1]
        padded = self.covering(length)
        x = F.pad((tokens * mask[..., None]).transpose(1, 2), (0, padded - length))
        out = self.text_proj(F.gelu(self.text_conv(x).transpose(1, 2)))
        window_mask = F.max_pool1d(F.pad(mask, (0, padded - length))[:, None], KERNEL, STRIDE)[:, 0]
        return out, window_mask

    def forward(self, globals_, patch_tokens, text_cls, text_tokens, text_mask, labels, weights):
        b = text_cls.shape[0]
        image = []
        for g, p in zip(globals_, patch_tokens):
            image += [self.image_global(g)[:, None], self.patches(p)]
        image = torch.cat(image, 1)
        words, word_mask = self.text(text_tokens, text_mask)
        text = torch.cat([self.text_global(text_cls)[:, None], words], 1)
        text_real = torch.cat([torch.ones(b, 1, dtype=word_mask.dtype), word_mask], 1)
        embed = self.llm.model.embed_tokens
        prompt = embed(torch.tensor(PROMPT_IDS))
        rows = []
        for i in range(b):
            real = text[i][text_real[i] > 0]
            rows.append(torch.cat([prompt, self.special[0:1], image[i], self.special[1:2], self.special[2:3], real, self.special[3:4]]))
        lengths = [r.shape[0] for r in rows]
        width = max(lengths)
        inputs = torch.stack([F.pad(r, (0, 0, 0, width - r.shape[0])) for r in rows])
        mask = torch.tensor([[1] * n + [0] * (width - n) for n in lengths])
        positions = torch.tensor([list(range(n)) + [0] * (width - n) for n in lengths])
        logits = self.llm(inputs_embeds=inputs, attention_mask=mask, position_ids=positions).logits
        last = logits[torch.arange(b), torch.tensor(lengths) - 1]
        class_logits = last[:, CLASS_IDS]
        return class_logits, F.cross_entropy(class_logits, labels, weight=weights), lengths


def main():
    generator = torch.Generator().manual_seed(2026)
    model = Fusion(generator).eval()
    b, longest = len(TEXT_LENGTHS), max(TEXT_LENGTHS)
    globals_ = [torch.randn(b, IMAGE_WIDTH, generator=generator) for _ in range(VIEWS)]
    patches = [torch.randn(b, GRID[0] * GRID[1], IMAGE_WIDTH, generator=generator) for _ in range(VIEWS)]
    text_cls = torch.randn(b, TEXT_WIDTH, generator=generator)
    text_mask = torch.tensor([[1.0] * n + [0.0] * (longest - n) for n in TEXT_LENGTHS])
    text_tokens = torch.randn(b, longest, TEXT_WIDTH, generator=generator) * text_mask[..., None]
    labels, weights = torch.tensor(LABELS), torch.tensor(CLASS_WEIGHTS)

    logits, loss, lengths = model(globals_, patches, text_cls, text_tokens, text_mask, labels, weights)

    exact = copy.deepcopy(model).double()
    _, exact_loss, _ = exact(*[[t.double() for t in ts] for ts in (globals_, patches)], text_cls.double(),
                             text_tokens.double(), text_mask.double(), labels, weights.double())
    exact_loss.backward()
    keys = model.swift_keys()
    grads = {"grad/" + keys[n]: p.grad.float() for n, p in exact.named_parameters() if p.requires_grad}

    os.makedirs(FOLDER, exist_ok=True)
    parameters = {keys[n]: p.detach().float().contiguous() for n, p in model.named_parameters()}
    save_file(parameters, os.path.join(FOLDER, "parameters.safetensors"))
    tensors = {"text_cls": text_cls, "text_tokens": text_tokens, "text_mask": text_mask,
               "labels": labels.float(), "class_weights": weights, "logits": logits.detach(), "loss": loss.detach().reshape(1)}
    for v in range(VIEWS):
        tensors[f"view{v}_global"] = globals_[v]
        tensors[f"view{v}_tokens"] = patches[v]
    tensors.update(grads)
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(FOLDER, "case.safetensors"))
    with open(os.path.join(FOLDER, "case.json"), "w") as f:
        json.dump({"generator": "gen_fusion.py", "versions": versions(), "vocab_size": VOCAB, "hidden_size": HIDDEN,
                   "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                   "head_dim": 8, "rope_theta": 1000000.0, "rms_norm_eps": 1e-6,
                   "image_width": IMAGE_WIDTH, "text_width": TEXT_WIDTH, "grid": list(GRID), "kernel": KERNEL, "stride": STRIDE,
                   "lora_rank": RANK, "lora_alpha": ALPHA, "prompt_ids": PROMPT_IDS, "class_ids": CLASS_IDS,
                   "views": VIEWS, "lengths": lengths}, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(FOLDER)}: loss {loss.item():.6f}, sequence lengths {lengths}, {len(grads)} gradients")


if __name__ == "__main__":
    main()
