"""Reference fixtures for the Qwen3 causal LM (Tests/PRIMAFusionTests/Fixtures), from transformers' Qwen3ForCausalLM.

Writes, for tiny configs (GQA ratio 2, head_dim != hidden/heads):
  qwen3_<name>/config.json + model.safetensors   the model (f32; the bf16 model stores BF16)
  qwen3_<name>/grads_<case>.safetensors          gradients of sum(logits * probe * mask) for every parameter
                                                 and for the input embeddings ("inputs_embeds")
  qwen3.json                                     inputs, logits, hidden states, greedy generations
  qwen3_<size>_keys.json                         key -> shape of the published Qwen3-0.6B / 1.7B (meta device),
                                                 and the config transformers writes for it

Run: /work/venv-ref/bin/python Scripts/reference/gen_qwen3.py
"""
import copy
import json
import shutil
import os

import torch
from safetensors.torch import save_file
from transformers import Qwen3Config, Qwen3ForCausalLM

from fixture import case, probe, write, FIXTURE_ROOT

TARGET = "PRIMAFusionTests"
FOLDER = os.path.join(FIXTURE_ROOT, TARGET, "Fixtures")
VOCAB = 96


def tiny_config(**overrides):
    values = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=128,
                  rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False, attention_bias=False,
                  bos_token_id=None, eos_token_id=None, pad_token_id=None)
    values.update(overrides)
    config = Qwen3Config(**values)
    config._attn_implementation = "sdpa"
    return config


def build(config, seed):
    torch.manual_seed(seed)
    model = Qwen3ForCausalLM(config).eval()
    # Larger weights than the default 0.02 so that logits are well separated (greedy ties are unlikely)
    # and norms that are not all ones, so that every weight matters.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:
                p.normal_(0, 0.15)
            else:
                p.copy_(1 + 0.2 * torch.randn_like(p))
    return model


def save_model(model, name, dtype=torch.float32):
    folder = os.path.join(FOLDER, f"qwen3_{name}")
    os.makedirs(folder, exist_ok=True)
    state = {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()}
    if model.config.tie_word_embeddings:
        state.pop("lm_head.weight", None)  # save_pretrained stores a tied head once
    save_file(state, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(folder, "config.json"), "w") as f:
        f.write(model.config.to_json_string())
    return folder


def save_grads(folder, case_name, grads):
    save_file({k: v.detach().float().contiguous() for k, v in grads.items()},
              os.path.join(folder, f"grads_{case_name}.safetensors"))


def padded_batch(lengths, width, left, seed):
    g = torch.Generator().manual_seed(seed)
    ids = torch.zeros(len(lengths), width, dtype=torch.long)
    mask = torch.zeros(len(lengths), width, dtype=torch.long)
    for row, n in enumerate(lengths):
        tokens = torch.randint(0, VOCAB, (n,), generator=g)
        span = slice(width - n, width) if left else slice(0, n)
        ids[row, span] = tokens
        mask[row, span] = 1
    return ids, mask


def forward_case(model, folder, name, ids, mask, positions=None, grads=True):
    """Logits / hidden states (float32, as transformers runs the checkpoint); with grads, gradients of
    sum(logits * probe * mask) for all parameters and the input embeddings, computed in float64 so that
    the reference carries no float32 rounding of its own (transformers' float32 gradients differ from
    its float64 ones by ~1e-5 of their scale)."""
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, output_hidden_states=True)
    inputs = {"input_ids": ids.float(), "attention_mask": mask.float()}
    if positions is not None:
        inputs["position_ids"] = positions.float()
    if grads:
        exact = copy.deepcopy(model).double()
        embeds = exact.model.embed_tokens(ids)
        embeds.retain_grad()
        logits = exact(inputs_embeds=embeds, attention_mask=mask, position_ids=positions).logits
        w = probe(list(logits.shape), seed=11)
        (logits * w.double() * mask[..., None]).sum().backward()
        g = {k: p.grad for k, p in exact.named_parameters() if p.grad is not None}  # a tied head is listed once
        g["inputs_embeds"] = embeds.grad
        g["probe"] = w
        save_grads(folder, name, g)
    return case(name, inputs, {"logits": out.logits, "hidden": out.hidden_states[-1]},
                params={"folder": os.path.basename(folder)})


def greedy_cases(model, folder, name, prompts_seed):
    g = torch.Generator().manual_seed(prompts_seed)
    lengths = [3, 5, 7, 4]
    prompts = [torch.randint(0, VOCAB, (n,), generator=g) for n in lengths]
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 0
    kwargs = dict(max_new_tokens=32, min_new_tokens=32, do_sample=False, use_cache=True)
    single = []
    margin = float("inf")
    for p in prompts:
        out = model.generate(p[None], attention_mask=torch.ones(1, len(p), dtype=torch.long), output_scores=True,
                             return_dict_in_generate=True, **kwargs)
        single.append(out.sequences[0, len(p):])
        for s in out.scores:
            top = s[0].topk(2).values
            margin = min(margin, float(top[0] - top[1]))
    width = max(lengths)
    ids = torch.zeros(len(prompts), width, dtype=torch.long)
    mask = torch.zeros(len(prompts), width, dtype=torch.long)
    for row, p in enumerate(prompts):
        ids[row, width - len(p):] = p
        mask[row, width - len(p):] = 1
    batched = model.generate(ids, attention_mask=mask, **kwargs)[:, width:]
    print(f"{name}: smallest top-1/top-2 logit gap on the greedy paths {margin:.4f}; "
          f"batched == single: {bool((batched == torch.stack(single)).all())}")
    return case(f"{name}_generate", {"prompt_ids": ids.float(), "prompt_mask": mask.float()},
                {"single": torch.stack(single).float(), "batched": batched.float()},
                params={"folder": os.path.basename(folder), "lengths": lengths})


TOKENIZER = os.path.join(FIXTURE_ROOT, "PRIMATextTests", "Fixtures", "qwen3_bpe_tokenizer.json")
PROMPTS = ["Age 55, lesion on the forearm.", "The patient reports that the lesion", "Diagnosis:"]


def text_case(name):
    """Greedy text generation through the Qwen3 byte-level BPE tokenizer of the text fixtures (copied next
    to the model as tokenizer.json): prompt text -> ids -> 24 new ids -> text."""
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(TOKENIZER)
    model = build(tiny_config(vocab_size=tokenizer.get_vocab_size(), tie_word_embeddings=True), seed=14)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).float())
    folder = save_model(model, name, dtype=torch.bfloat16)
    shutil.copy(TOKENIZER, os.path.join(folder, "tokenizer.json"))
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 0
    ids, texts = [], []
    for prompt in PROMPTS:
        encoded = torch.tensor([tokenizer.encode(prompt).ids])
        new = model.generate(encoded, attention_mask=torch.ones_like(encoded), max_new_tokens=24, min_new_tokens=24,
                             do_sample=False)[0, encoded.shape[1]:]
        ids.append(new)
        texts.append(tokenizer.decode(new.tolist(), skip_special_tokens=True))
    return case(f"{name}_generate_text", {}, {"ids": torch.stack(ids).float()},
                params={"folder": os.path.basename(folder), "prompts": PROMPTS, "texts": texts})


def key_list(config, file_name):
    with torch.device("meta"):
        model = Qwen3ForCausalLM(config)
    keys = {k: list(v.shape) for k, v in model.state_dict().items()}
    with open(os.path.join(FOLDER, file_name), "w") as f:
        json.dump({"config": json.loads(config.to_json_string()), "tied_keys": ["lm_head.weight"] if config.tie_word_embeddings else [],
                   "keys": keys}, f, indent=0, sort_keys=True)
        f.write("\n")
    print(f"wrote {file_name} ({len(keys)} keys)")


def published(hidden, intermediate):
    return Qwen3Config(vocab_size=151936, hidden_size=hidden, intermediate_size=intermediate, num_hidden_layers=28,
                       num_attention_heads=16, num_key_value_heads=8, head_dim=128, max_position_embeddings=40960,
                       rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True, use_sliding_window=False,
                       sliding_window=None, max_window_layers=28, bos_token_id=151643, eos_token_id=151645,
                       attention_bias=False, hidden_act="silu")


def main():
    cases = []
    untied = build(tiny_config(), seed=1)
    folder = save_model(untied, "untied")
    ids, mask = padded_batch([8, 5, 6], 8, left=False, seed=2)
    cases.append(forward_case(untied, folder, "untied_right_padding", ids, mask))
    ids, mask = padded_batch([8, 4, 6], 8, left=True, seed=3)
    cases.append(forward_case(untied, folder, "untied_left_padding", ids, mask))
    positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)
    cases.append(forward_case(untied, folder, "untied_left_padding_positions", ids, mask, positions, grads=False))
    cases.append(greedy_cases(untied, folder, "untied", prompts_seed=4))

    tied = build(tiny_config(tie_word_embeddings=True, rope_theta=1000000.0, rms_norm_eps=1e-5), seed=5)
    folder = save_model(tied, "tied")
    ids, mask = padded_batch([7, 7, 3], 7, left=False, seed=6)
    cases.append(forward_case(tied, folder, "tied_right_padding", ids, mask))
    ids, mask = padded_batch([7, 2, 5], 7, left=True, seed=7)
    cases.append(forward_case(tied, folder, "tied_left_padding", ids, mask))
    cases.append(greedy_cases(tied, folder, "tied", prompts_seed=8))

    sliding = build(tiny_config(use_sliding_window=True, sliding_window=3, max_window_layers=1), seed=9)
    folder = save_model(sliding, "sliding")
    ids, mask = padded_batch([9, 6], 9, left=False, seed=10)
    cases.append(forward_case(sliding, folder, "sliding_right_padding", ids, mask, grads=False))

    # bfloat16 storage: transformers run on the bf16 weights cast back to float32.
    bf16 = build(tiny_config(), seed=12)
    with torch.no_grad():
        for p in bf16.parameters():
            p.copy_(p.to(torch.bfloat16).float())
    folder = save_model(bf16, "bf16", dtype=torch.bfloat16)
    ids, mask = padded_batch([6, 4], 6, left=False, seed=13)
    cases.append(forward_case(bf16, folder, "bf16_right_padding", ids, mask, grads=False))

    cases.append(text_case("text"))

    write(TARGET, "qwen3", "Scripts/reference/gen_qwen3.py", cases)
    key_list(published(1024, 3072), "qwen3_0.6b_keys.json")
    key_list(published(2048, 6144), "qwen3_1.7b_keys.json")


if __name__ == "__main__":
    main()
