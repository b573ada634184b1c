"""Reference fixtures for PRIMAAlign's alignment losses (L_img, L_glo, L_loc, L_soft and their variants), values
and gradients from PyTorch in float64.

Each loss is written here from its equation, one sample / word / pair at a time with explicit index lists, so
that it shares no formulation with the Swift code (which uses masked batched matrix products): an error in
either shows up as a mismatch. Inputs are float32 values (stored exactly); the losses and their gradients
with respect to every input tensor that the loss reads, the temperature tau included, are computed in float64.

Writes Tests/PRIMAAlignTests/Fixtures/alignment.json.
Run: python Scripts/reference/gen_alignment.py
"""
import math

import torch

from fixture import case, probe, write

torch.manual_seed(0)
GENERATOR = "Scripts/reference/gen_alignment.py"
PAPER_TAU = 0.07


# --- the losses, from their equations ------------------------------------------------------------------------

def sim(a, b, tau):
    """cos(a, b) / tau for two vectors."""
    return torch.dot(a, b) / (torch.linalg.vector_norm(a) * torch.linalg.vector_norm(b)) / tau


def log_softmax_at(logits, index):
    """log softmax of a list of scalar tensors, at one index."""
    row = torch.stack(logits)
    return row[index] - torch.logsumexp(row, 0)


def image_consistency(v1, v2, tau, symmetric):
    """NT-Xent anchored on the first view: positive b_i among all b_k and the other anchors a_k (k != i)."""
    def anchored(a, b):
        n = a.shape[0]
        total = 0
        for i in range(n):
            logits = [sim(a[i], b[k], tau) for k in range(n)] + [sim(a[i], a[k], tau) for k in range(n) if k != i]
            total = total - log_softmax_at(logits, i)
        return total / n
    if symmetric:
        return (anchored(v1, v2) + anchored(v2, v1)) / 2
    return anchored(v1, v2)


def global_semantic(views, text, tau):
    n = text.shape[0]
    total = 0
    for p in views:
        for i in range(n):
            total = total + log_softmax_at([sim(p[i], text[k], tau) for k in range(n)], i)
            total = total + log_softmax_at([sim(text[i], p[k], tau) for k in range(n)], i)
    return -total / (4 * n)


def visual_context(word, patches, direct):
    """p-hat for one word over one image's patches [K, d]."""
    scores = torch.stack([torch.dot(word, patches[k]) for k in range(patches.shape[0])])
    if direct:
        return patches[int(torch.argmax(scores))]
    alpha = torch.softmax(scores / math.sqrt(word.shape[0]), 0)
    return sum(alpha[k] * patches[k] for k in range(patches.shape[0]))


def local_semantic(view_tokens, words, word_mask, tau, direct=False, whole_batch=False):
    n = words.shape[0]
    total_words = float(word_mask.sum())
    total = 0
    for patches in view_tokens:
        for i in range(n):
            valid = [l for l in range(words.shape[1]) if word_mask[i, l] == 1]
            q = [words[i, l] for l in valid]
            contexts = [visual_context(w, patches[i], direct) for w in q]
            count = len(valid)
            sample = 0
            for l in range(count):
                sample = sample + log_softmax_at([sim(q[l], contexts[m], tau) for m in range(count)], l)
                sample = sample + log_softmax_at([sim(contexts[l], q[m], tau) for m in range(count)], l)
            total = total + (sample / total_words if whole_batch else sample / (count * n))
    return -total / 4


def word_patch_attention(words, word_mask, patches):
    """alpha [N, L, K] with zero rows for non-words."""
    n, length, d = words.shape
    rows = []
    for i in range(n):
        for l in range(length):
            scores = torch.stack([torch.dot(words[i, l], patches[i, k]) for k in range(patches.shape[1])])
            rows.append(torch.softmax(scores / math.sqrt(d), 0) * word_mask[i, l])
    return torch.stack(rows).reshape(n, length, patches.shape[1])


def soft_semantic(views, text, y, tau, tau_label):
    n = text.shape[0]
    targets = [torch.softmax(torch.stack([torch.dot(y[i], y[j]) for j in range(n)]) / tau_label, 0) for i in range(n)]
    total = 0
    for p in views:
        for i in range(n):
            for j in range(n):
                image_to_text = log_softmax_at([sim(p[i], text[l], tau) for l in range(n)], j)
                text_to_image = log_softmax_at([sim(text[j], p[l], tau) for l in range(n)], i)
                total = total + targets[i][j] * (image_to_text + text_to_image)
    return -total / (4 * n * n)


def one_hot(labels, weight):
    classes = int(labels.max()) + 1
    y = torch.zeros(labels.shape[0], classes, dtype=torch.float64)
    for i, c in enumerate(labels.tolist()):
        y[i, int(c)] = weight
    return y


# --- inputs ----------------------------------------------------------------------------------------------------

def leaf(t):
    return t.detach().double().clone().requires_grad_(True)


def batch(n, d, k, length, masks, k2=None, m=7, classes=3, tau=PAPER_TAU, seed=0):
    """Features of a batch; positives correlated (view 2 and the text near view 1) so the softmaxes are not flat."""
    g = torch.Generator().manual_seed(seed)
    v1 = torch.randn(n, d, generator=g)
    inputs = {
        "view1_global": v1,
        "view2_global": v1 + 1.5 * torch.randn(n, d, generator=g),
        "text_cls": v1 + 2.0 * torch.randn(n, d, generator=g),
        "view1_tokens": torch.randn(n, k, d, generator=g),
        "view2_tokens": torch.randn(n, k2 or k, d, generator=g),
        "text_tokens": torch.randn(n, length, d, generator=g),
        "word_mask": torch.tensor(masks, dtype=torch.float32),
        "temperature": torch.tensor(tau, dtype=torch.float32),
    }
    labels = torch.randint(0, classes, (n,), generator=g).float()
    metadata = (torch.rand(n, m - classes, generator=g) > 0.5).float()
    inputs["metadata"] = torch.cat([metadata, 3 * torch.nn.functional.one_hot(labels.long(), classes).float()], 1)
    inputs["labels"] = labels
    return {name: leaf(t) if name not in ("word_mask", "labels") else t.double() for name, t in inputs.items()}


def float32_errors(x, fn, reads, grads):
    """PyTorch's own float32 error against the float64 gradients, normwise (max|a - b| / max(max|b|, 1e-3)), per
    input: where float32 arithmetic cannot reach the 1e-5 bound (sums with cancellation: the gradients of tau and
    of the metadata vectors), the Swift test allows twice this error instead."""
    x32 = {k: (v.detach().float().requires_grad_(True) if v.requires_grad else v.float()) for k, v in x.items()}
    grads32 = torch.autograd.grad(fn(x32), [x32[r] for r in reads])
    return {f"float32_error_{r}": float((g32.double() - g).abs().max() / max(g.abs().max().item(), 1e-3))
            for r, g, g32 in zip(reads, grads, grads32)}


def loss_case(name, x, fn, reads, params):
    value = fn(x)
    leaves = [x[r] for r in reads]
    grads = torch.autograd.grad(value, leaves)
    params = dict(params, **float32_errors(x, fn, reads, grads))
    return case(name, x, {"loss": value}, dict(zip(reads, grads)), params)


def seed_for(n, base):
    """Seed of a case's batch; batches of two use one whose positives are not already separated by e^-10 or more
    (a saturated softmax leaves gradients too small to test)."""
    return 23 if n == 2 else base + n


GLOBAL_READS = ["view1_global", "view2_global", "temperature"]
TEXT_READS = ["view1_global", "view2_global", "text_cls", "temperature"]
LOCAL_READS = ["view1_tokens", "view2_tokens", "text_tokens", "temperature"]

# Ragged word masks: CLS at 0 and SEP after the words are not words; trailing padding.
MASKS_3x7 = [[0, 1, 1, 1, 1, 1, 0], [0, 1, 1, 1, 0, 0, 0], [0, 1, 1, 0, 0, 0, 0]]
MASKS_2x7 = [[0, 1, 1, 1, 1, 0, 0], [0, 1, 1, 1, 1, 1, 1]]


def image_cases():
    cases = []
    for tag, n, tau, symmetric in (("n3", 3, PAPER_TAU, False), ("n2", 2, PAPER_TAU, False),
                                   ("symmetric_n3", 3, PAPER_TAU, True), ("n4_tau02", 4, 0.2, False)):
        masks = MASKS_3x7 if n == 3 else [[0, 1, 1, 0, 0, 0, 0]] * n
        x = batch(n, 5, 6, 7, masks, tau=tau, seed=seed_for(n, 10))
        cases.append(loss_case(f"image_consistency_{tag}", x,
                               lambda x, s=symmetric: image_consistency(x["view1_global"], x["view2_global"], x["temperature"], s),
                               GLOBAL_READS, {"loss": "image_consistency", "symmetric": symmetric}))
    return cases


def global_cases():
    cases = []
    for tag, n, tau in (("n3", 3, PAPER_TAU), ("n2", 2, PAPER_TAU), ("n4_tau02", 4, 0.2)):
        masks = MASKS_3x7 if n == 3 else [[0, 1, 1, 0, 0, 0, 0]] * n
        x = batch(n, 5, 6, 7, masks, tau=tau, seed=seed_for(n, 20))
        cases.append(loss_case(f"global_semantic_{tag}", x,
                               lambda x: global_semantic([x["view1_global"], x["view2_global"]], x["text_cls"], x["temperature"]),
                               TEXT_READS, {"loss": "global_semantic"}))
    return cases


def local_cases():
    cases = []
    configs = [
        # tag, n, masks, k, k2, direct, whole_batch, tau
        ("n3_ragged", 3, MASKS_3x7, 6, None, False, False, PAPER_TAU),
        ("n3_ragged_whole_batch", 3, MASKS_3x7, 6, None, False, True, PAPER_TAU),
        ("n1", 1, [[0, 1, 1, 1, 1, 0, 0]], 6, None, False, False, PAPER_TAU),
        ("n2_views_of_different_k", 2, MASKS_2x7, 6, 4, False, False, 0.2),
        ("direct_n3_ragged", 3, MASKS_3x7, 6, None, True, False, PAPER_TAU),
        ("direct_n3_ragged_whole_batch", 3, MASKS_3x7, 6, None, True, True, PAPER_TAU),
        ("direct_n1", 1, [[1, 1, 1, 0, 0, 0, 0]], 6, None, True, False, 0.2),
    ]
    for tag, n, masks, k, k2, direct, whole, tau in configs:
        x = batch(n, 5, k, 7, masks, k2=k2, tau=tau, seed=30 + len(cases))
        cases.append(loss_case(f"local_semantic_{tag}", x,
                               lambda x, d=direct, w=whole: local_semantic([x["view1_tokens"], x["view2_tokens"]], x["text_tokens"],
                                                                           x["word_mask"], x["temperature"], d, w),
                               LOCAL_READS, {"loss": "local_semantic", "aggregation": "mostSimilarPatch" if direct else "attention",
                                             "normalization": "wholeBatchTokens" if whole else "perSample"}))
    # The word -> patch attention of view 1, reduced to a scalar with a fixed probe.
    x = batch(3, 5, 6, 7, MASKS_3x7, seed=40)
    alpha = word_patch_attention(x["text_tokens"], x["word_mask"], x["view1_tokens"])
    weights = probe(list(alpha.shape)).double()
    grads = torch.autograd.grad((alpha * weights).sum(), [x["text_tokens"], x["view1_tokens"]])
    x["probe"] = weights
    cases.append(case("word_patch_attention", x, {"attention": alpha},
                      {"text_tokens": grads[0], "view1_tokens": grads[1]}, {"loss": "attention"}))
    return cases


def soft_cases():
    cases = []
    for tag, n, tau, tau_label in (("n3", 3, PAPER_TAU, 0.5), ("n2", 2, PAPER_TAU, 0.5), ("n4_label_tau02", 4, 0.2, 0.2)):
        masks = MASKS_3x7 if n == 3 else [[0, 1, 1, 0, 0, 0, 0]] * n
        x = batch(n, 5, 6, 7, masks, tau=tau, seed=seed_for(n, 50))
        cases.append(loss_case(f"soft_semantic_{tag}", x,
                               lambda x, t=tau_label: soft_semantic([x["view1_global"], x["view2_global"]], x["text_cls"],
                                                                    x["metadata"], x["temperature"], t),
                               TEXT_READS + ["metadata"], {"loss": "soft_semantic", "label_temperature": tau_label}))
    for tag, n, labels, weight in (("n4", 4, [0, 1, 0, 2], 3.0), ("n3_weight1", 3, [1, 1, 0], 1.0)):
        masks = [[0, 1, 1, 0, 0, 0, 0]] * n
        x = batch(n, 5, 6, 7, masks, seed=60 + n)
        x["labels"] = torch.tensor(labels, dtype=torch.float64)
        cases.append(loss_case(f"supervised_contrastive_{tag}", x,
                               lambda x, w=weight: soft_semantic([x["view1_global"], x["view2_global"]], x["text_cls"],
                                                                 one_hot(x["labels"], w), x["temperature"], 0.5),
                               TEXT_READS, {"loss": "supervised_contrastive", "label_temperature": 0.5, "label_weight": weight}))
    return cases


def objective_cases():
    """The full PRIMA objective 0.2 L_img + 0.3 L_glo + 0.2 L_loc + 0.3 L_soft on one batch."""
    x = batch(3, 5, 6, 7, MASKS_3x7, seed=70)

    def total(x):
        views = [x["view1_global"], x["view2_global"]]
        return (0.2 * image_consistency(*views, x["temperature"], False)
                + 0.3 * global_semantic(views, x["text_cls"], x["temperature"])
                + 0.2 * local_semantic([x["view1_tokens"], x["view2_tokens"]], x["text_tokens"], x["word_mask"], x["temperature"])
                + 0.3 * soft_semantic(views, x["text_cls"], x["metadata"], x["temperature"], 0.5))
    reads = TEXT_READS + ["view1_tokens", "view2_tokens", "text_tokens", "metadata"]
    return [loss_case("objective_prima", x, total, reads, {"loss": "objective"})]


def main():
    cases = image_cases() + global_cases() + local_cases() + soft_cases() + objective_cases()
    write("PRIMAAlignTests", "alignment", GENERATOR, cases)


if __name__ == "__main__":
    main()
