"""Reference fixtures for the PRIMAText encoders (transformers' ModernBERT and BERT).

Writes into Tests/PRIMATextTests/Fixtures/:
- modernbert_tiny/, modernbert_tiny_bias/: tiny ModernBertForMaskedLM checkpoints (config.json +
  model.safetensors as save_pretrained writes them; the `_bias` one has every optional bias switched on
  and a config.json in the older Hub format: global_attn_every_n_layers / global_rope_theta /
  local_rope_theta) and grads.safetensors (the gradient of every parameter).
- bert_tiny/, bert_tiny_mlm/: a tiny BertModel (with pooler) and a tiny BertForMaskedLM, same layout.
- text_encoders.json: token ids, masks, labels, hidden states, MLM logits and losses of each model.
- modernbert_base_keys.json, bert_base_keys.json: parameter key -> shape of the published full-size
  checkpoints (answerdotai/ModernBERT-base as ModernBertForMaskedLM, bert-base-uncased as BertModel),
  built on the meta device, with the tied decoder weight left out as save_pretrained leaves it out.
- minilm_sentences.json: 50 sentences, their token ids (transformers' tokenizer) and the mean-pooled,
  L2-normalised all-MiniLM-L6-v2 embeddings, when the real checkpoint folder is available
  (env PRIMA_MINILM_DIR, or the folder Scripts/fetch-minilm.sh prints).

Run: python Scripts/reference/gen_text_encoders.py
"""
import json
import os
import subprocess

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import WordPiece
from transformers import (AutoTokenizer, BertConfig, BertForMaskedLM, BertModel, ModernBertConfig,
                          ModernBertForMaskedLM)

from fixture import FIXTURE_ROOT, case, tensor, versions, write

torch.set_num_threads(1)
TARGET = "PRIMATextTests"
FIXTURES = os.path.join(FIXTURE_ROOT, TARGET, "Fixtures")
HERE = os.path.dirname(os.path.abspath(__file__))


def randomise(model, seed):
    """Replaces every parameter with well-spread values so that each weight matters to the outputs."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name.lower() and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))


def batch(vocab, lengths, seq_len, seed, special=(1, 2)):
    """Token ids [B, L] (CLS first, SEP last, pad 0 after), the mask, and MLM labels (-100 = ignored)."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.zeros(len(lengths), seq_len, dtype=torch.long)
    mask = torch.zeros(len(lengths), seq_len, dtype=torch.long)
    labels = torch.full((len(lengths), seq_len), -100, dtype=torch.long)
    for b, n in enumerate(lengths):
        ids[b, :n] = torch.randint(4, vocab, (n,), generator=g)
        ids[b, 0], ids[b, n - 1] = special
        mask[b, :n] = 1
        for i in range(1, n - 1, 2):
            labels[b, i] = int(torch.randint(4, vocab, (1,), generator=g))
    return ids, mask, labels


def save_gradients(folder, grads):
    save_file({k: v.float().contiguous() for k, v in grads.items()}, os.path.join(FIXTURES, folder, "grads.safetensors"))


def save_checkpoint(model, folder, config_override=None):
    path = os.path.join(FIXTURES, folder)
    os.makedirs(path, exist_ok=True)
    model.save_pretrained(path)
    for extra in ("generation_config.json",):
        if os.path.exists(os.path.join(path, extra)):
            os.remove(os.path.join(path, extra))
    if config_override is not None:
        with open(os.path.join(path, "config.json"), "w") as f:
            json.dump(config_override, f, indent=2)


def all_grads(model):
    """Gradients by parameter name; tied parameters appear once, under their first name (as state dicts list them)."""
    seen, out = set(), {}
    for name, p in model.named_parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        out[name] = p.grad.detach().clone()
    return out


def mlm_loss(logits, labels):
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)


def modernbert_case(name, seed, config_kwargs, old_format_config=None):
    config = ModernBertConfig(**config_kwargs)
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = ModernBertForMaskedLM(config).eval()
    randomise(model, seed)
    save_checkpoint(model, name, old_format_config)
    # References in float64 (the weights are float32 values): they are then the exact results, and the
    # tolerances measure the Swift float32 error alone.
    model.double()
    # The second sequence is padded, yet every padded query keeps a real key inside its local window.
    ids, mask, labels = batch(config.vocab_size, [10, 8], 10, seed)
    out = model(input_ids=ids, attention_mask=mask, labels=None, output_hidden_states=False)
    hidden = model.model(input_ids=ids, attention_mask=mask).last_hidden_state
    logits = out.logits
    # Probe scaled so that the gradients are O(1), as with a mean-reduced training loss: the gradient
    # criterion's absolute floor (1e-3) then sits well above float32 round-off (~1e-7 of the largest gradient).
    probe = 0.05 * torch.randn(hidden.shape, generator=torch.Generator().manual_seed(seed + 1)).double()
    loss = mlm_loss(logits, labels) + (hidden * probe * mask[..., None]).sum()
    loss.backward()
    save_gradients(name, all_grads(model))
    return case(name,
                inputs={"ids": ids.float(), "mask": mask.float(), "labels": labels.float(), "probe": probe},
                outputs={"hidden": hidden, "logits": logits, "loss": loss},
                params={"hidden_size": config.hidden_size})


def modernbert_long_case():
    """Hidden states of the tiny checkpoint over 160 positions (float64): rotary angles far beyond the short case."""
    model = ModernBertForMaskedLM.from_pretrained(os.path.join(FIXTURES, "modernbert_tiny"), attn_implementation="eager")
    model = model.eval().double()
    # Every padded query keeps a real key in its local window (fully masked rows give NaN in float64 eager attention).
    ids, mask, _ = batch(model.config.vocab_size, [160, 158], 160, 21)
    with torch.no_grad():
        hidden = model.model(input_ids=ids, attention_mask=mask).last_hidden_state
    return case("modernbert_tiny_long", inputs={"ids": ids.float(), "mask": mask.float()}, outputs={"hidden": hidden})


def bert_case(name, seed, config, masked_lm):
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = (BertForMaskedLM(config) if masked_lm else BertModel(config)).eval()
    randomise(model, seed)
    save_checkpoint(model, name)
    model.double()
    ids, mask, labels = batch(config.vocab_size, [9, 5], 9, seed)
    types = torch.zeros_like(ids)
    types[0, 5:9] = 1
    types[1, 3:5] = 1
    encoder = model.bert if masked_lm else model
    hidden = encoder(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
    probe = 0.05 * torch.randn(hidden.shape, generator=torch.Generator().manual_seed(seed + 1)).double()
    loss = (hidden * probe * mask[..., None]).sum()
    outputs = {"hidden": hidden}
    if masked_lm:
        logits = model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits
        loss = loss + mlm_loss(logits, labels)
        outputs["logits"] = logits
    else:
        outputs["pooled"] = model(input_ids=ids, attention_mask=mask, token_type_ids=types).pooler_output
        loss = loss + 0.05 * (outputs["pooled"] ** 2).sum()
    outputs["loss"] = loss
    loss.backward()
    save_gradients(name, all_grads(model))
    return case(name,
                inputs={"ids": ids.float(), "mask": mask.float(), "types": types.float(), "labels": labels.float(),
                        "probe": probe},
                outputs=outputs, params={"hidden_size": config.hidden_size})


def key_list(model, file_name, tied):
    keys = {k: list(v.shape) for k, v in model.state_dict().items() if k not in tied}
    with open(os.path.join(FIXTURES, file_name), "w") as f:
        json.dump({"generator": "gen_text_encoders.py", "versions": versions(), "keys": keys}, f, indent=0, sort_keys=True)
        f.write("\n")


def full_size_key_lists():
    with torch.device("meta"):
        # answerdotai/ModernBERT-base config.json values.
        modernbert = ModernBertForMaskedLM(ModernBertConfig(
            vocab_size=50368, hidden_size=768, intermediate_size=1152, num_hidden_layers=22, num_attention_heads=12,
            global_attn_every_n_layers=3, local_attention=128, norm_bias=False, mlp_bias=False, attention_bias=False,
            decoder_bias=True, classifier_bias=False))
        bert = BertModel(BertConfig())  # bert-base-uncased
    key_list(modernbert, "modernbert_base_keys.json", tied={"decoder.weight"})
    key_list(bert, "bert_base_keys.json", tied=set())


SENTENCES = [
    "The patient presented with a pigmented lesion on the left forearm.",
    "Basal cell carcinoma is the most common skin cancer.",
    "She reports that the mole has grown and itches.",
    "No history of smoking or alcohol use.",
    "Melanoma risk increases with sun exposure in childhood.",
    "The lesion bleeds occasionally and has an irregular border.",
    "Actinic keratosis appears as rough, scaly patches on sun-exposed skin.",
    "Seborrheic keratoses are benign and often look stuck on.",
    "Squamous cell carcinoma may arise from actinic keratosis.",
    "A nevus is usually symmetric with a regular border.",
    "Family history of skin cancer was reported by the father.",
    "The patient has Fitzpatrick skin type II.",
    "Pesticide exposure has been linked to several cancers.",
    "Dermoscopy showed an atypical pigment network.",
    "Fungal keratitis often follows trauma with plant material.",
    "Bacterial keratitis is common among contact lens wearers.",
    "Slit-lamp photographs were taken under diffuse illumination.",
    "The corneal ulcer had feathery margins and satellite lesions.",
    "Visual acuity was reduced to counting fingers.",
    "Topical natamycin was started empirically.",
    "How are you today?",
    "The weather is lovely and the sky is blue.",
    "A cat sat on the mat.",
    "Machine learning models can align images with text.",
    "Contrastive learning pulls matching pairs together.",
    "The quick brown fox jumps over the lazy dog.",
    "I would like a cup of coffee, please.",
    "Transformers use attention to mix information across tokens.",
    "The lesion diameter is 12 by 8 millimetres.",
    "Age: 67. Gender: female. Region: face.",
    "Smoke: False, drink: True, piped water: True.",
    "The region of interest is the nose.",
    "Itching, growth and bleeding are warning signs.",
    "Elevation of the lesion was noted on palpation.",
    "A biopsy confirmed the diagnosis.",
    "Sunscreen reduces the risk of squamous cell carcinoma.",
    "Immunosuppressed patients develop more skin cancers.",
    "The patient is a farmer from southern Brazil.",
    "Lesions on the scalp are harder to inspect.",
    "Chronic ulcers can transform into carcinoma.",
    "UNK",
    "",
    "Numbers like 3.14159 and 2026 are tokenised too.",
    "Accented words: café, naïve, São Paulo.",
    "Punctuation!!! Does it... matter? (Yes; it does.)",
    "COVID-19 changed outpatient dermatology workflows.",
    "The quick brown fox jumps over the lazy dog again and again and again, until it is very tired indeed.",
    "Keratitis",
    "skin",
    "Risk factors include fair skin, many nevi, and a history of sunburn.",
]


def minilm_folder():
    folder = os.environ.get("PRIMA_MINILM_DIR")
    if folder:
        return folder
    script = os.path.join(HERE, "..", "fetch-minilm.sh")
    return subprocess.run(["bash", script], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]


def minilm_sentences():
    folder = minilm_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = BertModel.from_pretrained(folder, attn_implementation="eager").eval()
    encoded = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**encoded).last_hidden_state
    mask = encoded["attention_mask"][..., None].float()
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    embeddings = torch.nn.functional.normalize(pooled, p=2, dim=1)
    # Seven significant digits are far below the 1e-4 tolerance and keep the file small.
    data = {
        "generator": "gen_text_encoders.py", "versions": versions(), "sentences": SENTENCES,
        "ids": encoded["input_ids"].tolist(), "mask": encoded["attention_mask"].tolist(),
        "embeddings": {"shape": list(embeddings.shape), "data": [float(f"{v:.7g}") for v in embeddings.reshape(-1).tolist()]},
    }
    with open(os.path.join(FIXTURES, "minilm_sentences.json"), "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print("wrote minilm_sentences.json")


SPECIALS = ["[PAD]", "[CLS]", "[SEP]", "[MASK]", "[UNK]"]  # ids 0..4


def tiny_tokenizer(vocab_size):
    """A BERT-style WordPiece tokenizer for the committed MLM corpus, so the tiny checkpoints are complete
    folders (config.json + model.safetensors + tokenizer.json). The vocabulary is built deterministically (the
    `tokenizers` trainer numbers tied entries in hash order): the special tokens, every character alone and as
    a `##` continuation, then the most frequent words, ties broken alphabetically."""
    with open(os.path.join(FIXTURES, "mlm_corpus.txt")) as f:
        lines = [line.strip() for line in f if line.strip()]
    normalizer = normalizers.BertNormalizer(lowercase=True)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    words = [w for line in lines for w, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(line))]
    chars = sorted({c for w in words for c in w})
    vocab = SPECIALS + chars + ["##" + c for c in chars]
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    for w in sorted(counts, key=lambda w: (-counts[w], w)):
        if len(vocab) >= vocab_size:
            break
        if w not in vocab:
            vocab.append(w)
    tokenizer = Tokenizer(WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]", max_input_chars_per_word=100))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.decoder = decoders.WordPiece()
    tokenizer.add_special_tokens(SPECIALS)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 1), ("[SEP]", 2)])
    assert tokenizer.get_vocab_size() == vocab_size, tokenizer.get_vocab_size()
    return tokenizer, lines


def corpus_case(tokenizer, lines):
    """The corpus as padded token ids, for the MLM tests (which must not depend on the Swift tokenizer)."""
    encodings = [tokenizer.encode(line) for line in lines]
    length = max(len(e.ids) for e in encodings)
    ids = torch.zeros(len(lines), length)
    mask = torch.zeros(len(lines), length)
    for i, e in enumerate(encodings):
        ids[i, :len(e.ids)] = torch.tensor(e.ids, dtype=torch.float)
        mask[i, :len(e.ids)] = 1
    return case("mlm_corpus", inputs={"ids": ids, "mask": mask}, outputs={},
                params={"vocab_size": tokenizer.get_vocab_size(), "mask_token_id": 3})


def main():
    tiny = dict(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=4, num_attention_heads=4,
                max_position_embeddings=64, pad_token_id=0, cls_token_id=1, sep_token_id=2, bos_token_id=1,
                eos_token_id=2, global_attn_every_n_layers=3, local_attention=4, norm_eps=1e-5)
    cases = [modernbert_case("modernbert_tiny", 11, dict(tiny, global_rope_theta=160000.0, local_rope_theta=10000.0))]
    biased = dict(tiny, norm_bias=True, mlp_bias=True, attention_bias=True, decoder_bias=True, classifier_bias=True,
                  classifier_activation="gelu_pytorch_tanh", hidden_activation="gelu", local_attention=6,
                  global_attn_every_n_layers=2, global_rope_theta=5000.0, local_rope_theta=300.0, norm_eps=1e-6)
    old_format = dict(biased, model_type="modernbert", architectures=["ModernBertForMaskedLM"])
    cases.append(modernbert_case("modernbert_tiny_bias", 12, biased, old_format))
    bert = dict(vocab_size=96, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                max_position_embeddings=32, type_vocab_size=2, pad_token_id=0, layer_norm_eps=1e-12)
    cases.append(bert_case("bert_tiny", 13, BertConfig(**bert), masked_lm=False))
    cases.append(bert_case("bert_tiny_mlm", 14, BertConfig(**dict(bert, hidden_act="gelu_new")), masked_lm=True))
    tokenizer, lines = tiny_tokenizer(96)
    for folder in ("modernbert_tiny", "modernbert_tiny_bias", "bert_tiny", "bert_tiny_mlm"):
        tokenizer.save(os.path.join(FIXTURES, folder, "tokenizer.json"))
    cases.append(corpus_case(tokenizer, lines))
    write(TARGET, "text_encoders", "gen_text_encoders.py", cases)
    write(TARGET, "text_encoders_long", "gen_text_encoders.py", [modernbert_long_case()])
    full_size_key_lists()
    minilm_sentences()


if __name__ == "__main__":
    main()
