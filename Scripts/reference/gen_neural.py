"""Reference fixtures for the unary and "neural" ops of PRIMATensor (activations, softmax, norms, cross-entropy,
normalisation, cosine similarity), forward values and gradients from PyTorch.

Each case's scalar loss is sum(out * probe) with the fixed `probe` stored in the case, so the Swift test
reproduces the same gradient. Inputs are float32 values; PyTorch evaluates in float64 so that the reference
carries no float32 rounding of its own (PyTorch's float32 tanh-GELU gradient, for example, loses ~1e-4
relative accuracy in the left tail through 1 + tanh cancellation). Writes Tests/PRIMATensorTests/Fixtures/{unary,neural}.json.
Run: /work/venv-ref/bin/python Scripts/reference/gen_neural.py
"""
import torch
import torch.nn.functional as F

from fixture import case, probe, write

torch.manual_seed(0)
GENERATOR = "Scripts/reference/gen_neural.py"


def grads_of(out, leaves, probe_seed=7):
    p = probe(list(out.shape), seed=probe_seed).double()
    (out * p).sum().backward()
    return p, {name: t.grad for name, t in leaves.items() if t.grad is not None}


def leaf(t):
    return t.detach().double().clone().requires_grad_(True)


def unary_case(name, fn, x, params=None):
    x = leaf(x)
    out = fn(x)
    p, g = grads_of(out, {"x": x})
    return case(name, {"x": x, "probe": p}, {"out": out}, g, params)


def sweep(lo, hi, n):
    return torch.linspace(lo, hi, n).reshape(1, n)


def unary_cases():
    cases = []
    normal = torch.randn(4, 7) * 3
    normal3 = torch.randn(2, 3, 5)
    positive = torch.rand(4, 7) * 5 + 0.05
    activations = {
        "exp": torch.exp,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
        "silu": F.silu,
        "gelu": lambda t: F.gelu(t, approximate="none"),
        "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
    }
    for name, fn in activations.items():
        cases.append(unary_case(f"{name}_normal", fn, normal))
        cases.append(unary_case(f"{name}_rank3", fn, normal3))
        cases.append(unary_case(f"{name}_sweep", fn, sweep(-15, 15, 121)))
    with_zero = normal.clone()
    with_zero[0, :3] = 0
    cases.append(unary_case("relu_zero", torch.relu, with_zero))
    cases.append(unary_case("abs", torch.abs, with_zero))
    cases.append(unary_case("log", torch.log, positive))
    cases.append(unary_case("sqrt", torch.sqrt, positive))
    cases.append(unary_case("rsqrt", torch.rsqrt, positive))
    for exponent in (2.0, 3.0, 0.5, -1.5):
        cases.append(unary_case(f"pow_{exponent}", lambda t, e=exponent: t.pow(e), positive, {"exponent": exponent}))
    # Clamp with inputs exactly on both bounds: PyTorch passes the gradient there.
    bounded = normal.clone()
    bounded[0, 0], bounded[0, 1], bounded[1, 0] = -1.0, 2.0, 2.0
    cases.append(unary_case("clamp", lambda t: t.clamp(-1.0, 2.0), bounded, {"min": -1.0, "max": 2.0}))
    cases.append(unary_case("clamp_min", lambda t: t.clamp(min=0.5), bounded, {"min": 0.5}))

    # where(condition, a, b) with broadcasting of b; masked_fill with a broadcast mask.
    cond = (torch.rand(3, 4) > 0.5).double()
    a, b = leaf(torch.randn(3, 4)), leaf(torch.randn(1, 4))
    out = torch.where(cond.bool(), a, b)
    p, g = grads_of(out, {"a": a, "b": b})
    cases.append(case("where", {"condition": cond, "a": a, "b": b, "probe": p}, {"out": out}, g))
    x = leaf(torch.randn(2, 3, 4))
    mask = (torch.rand(2, 1, 4) > 0.6).double()
    out = x.masked_fill(mask.bool(), -7.5)
    p, g = grads_of(out, {"x": x})
    cases.append(case("masked_fill", {"x": x, "mask": mask, "probe": p}, {"out": out}, g, {"value": -7.5}))
    return cases


def softmax_cases():
    cases = []
    configs = [("last_2d", [4, 7], -1, 1.0), ("last_tail", [3, 37], -1, 10.0), ("axis1_rank3", [2, 3, 5], 1, 1.0),
               ("axis0_rank3", [2, 3, 5], 0, 1.0), ("last_rank4", [2, 2, 3, 20], -1, 3.0)]
    for tag, shape, axis, scale in configs:
        for name, fn in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax)):
            x = leaf(torch.randn(shape) * scale)
            out = fn(x, axis)
            p, g = grads_of(out, {"x": x})
            cases.append(case(f"{name}_{tag}", {"x": x, "probe": p}, {"out": out}, g, {"axis": axis}))
    # Masked entries (-inf, as in attention): the mask is applied on both sides with masked_fill.
    x = leaf(torch.randn(3, 9))
    mask = torch.zeros(3, 9)
    mask[0, 2:5] = 1
    mask[2, 0] = 1
    out = torch.softmax(x.masked_fill(mask.bool(), float("-inf")), -1)
    p, g = grads_of(out, {"x": x})
    cases.append(case("softmax_masked", {"x": x, "mask": mask, "probe": p}, {"out": out}, g, {"axis": -1}))
    return cases


def norm_cases():
    cases = []
    configs = [("wb", [4, 8], True, True, 1e-5), ("w", [2, 3, 16], True, False, 1e-5),
               ("b", [2, 3, 16], False, True, 1e-6), ("none", [5, 33], False, False, 1e-5),
               ("wb_wide", [3, 100], True, True, 1e-5)]
    for tag, shape, has_w, has_b, eps in configs:
        x = leaf(torch.randn(shape) * 2 + 0.5)
        n = shape[-1]
        w = leaf(torch.randn(n)) if has_w else None
        b = leaf(torch.randn(n)) if has_b else None
        out = F.layer_norm(x, [n], w, b, eps)
        leaves = {"x": x, **({"weight": w} if has_w else {}), **({"bias": b} if has_b else {})}
        p, g = grads_of(out, leaves)
        cases.append(case(f"layer_norm_{tag}", {**leaves, "probe": p}, {"out": out}, g, {"eps": eps}))
    for tag, shape, has_w, eps in [("w", [4, 8], True, 1e-6), ("none", [2, 3, 16], False, 1e-6), ("w_wide", [3, 70], True, 1e-5)]:
        x = leaf(torch.randn(shape))
        n = shape[-1]
        w = leaf(torch.randn(n)) if has_w else None
        # Qwen3RMSNorm: hidden * rsqrt(mean(hidden^2) + eps), times weight.
        out = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
        if has_w:
            out = w * out
        leaves = {"x": x, **({"weight": w} if has_w else {})}
        p, g = grads_of(out, leaves)
        cases.append(case(f"rms_norm_{tag}", {**leaves, "probe": p}, {"out": out}, g, {"eps": eps}))
    return cases


def cross_entropy_cases():
    cases = []

    def add(name, logits_shape, targets, weight=None, ignore_index=-100, smoothing=0.0, reduction="mean"):
        logits = leaf(torch.randn(logits_shape) * 2)
        weight = weight.double() if weight is not None else None
        soft = targets.shape == logits.shape
        t = leaf(targets) if soft else targets.float()
        out = F.cross_entropy(logits, t if soft else targets, weight=weight, ignore_index=ignore_index,
                              label_smoothing=smoothing, reduction=reduction)
        leaves = {"logits": logits, **({"targets": t} if soft else {})}
        p, g = grads_of(out, leaves)
        inputs = {"logits": logits, "targets": t, "probe": p, **({"weights": weight} if weight is not None else {})}
        params = {"ignore_index": ignore_index, "label_smoothing": smoothing, "reduction": reduction}
        cases.append(case(name, inputs, {"out": out}, g, params))

    labels = torch.tensor([0, 3, 1, -100, 4, 2])
    weights = torch.rand(5) + 0.2
    add("ce_hard_mean", [6, 5], labels)
    add("ce_hard_weighted_smoothed_mean", [6, 5], labels, weights, smoothing=0.1)
    add("ce_hard_weighted_smoothed_sum", [6, 5], labels, weights, smoothing=0.1, reduction="sum")
    add("ce_hard_weighted_smoothed_none", [6, 5], labels, weights, smoothing=0.1, reduction="none")
    add("ce_hard_ignore_class", [6, 5], torch.tensor([0, 3, 1, 2, 4, 2]), weights, ignore_index=2, smoothing=0.2)
    add("ce_hard_kdim", [2, 4, 3], torch.tensor([[0, 3, -100], [2, 1, 1]]), torch.rand(4) + 0.5, smoothing=0.05)
    add("ce_hard_kdim_none", [2, 4, 3], torch.tensor([[0, 3, -100], [2, 1, 1]]), reduction="none")
    add("ce_hard_unbatched", [5], torch.tensor(3), smoothing=0.1)
    soft = torch.softmax(torch.randn(5, 4), -1)
    add("ce_soft_mean", [5, 4], soft)
    add("ce_soft_weighted_smoothed_mean", [5, 4], soft, torch.rand(4) + 0.2, smoothing=0.15)
    add("ce_soft_weighted_sum", [5, 4], soft, torch.rand(4) + 0.2, reduction="sum")
    add("ce_soft_none", [5, 4], soft, smoothing=0.1, reduction="none")
    add("ce_soft_kdim", [2, 4, 3], torch.softmax(torch.randn(2, 4, 3), 1), torch.rand(4) + 0.2, smoothing=0.1)
    return cases


def similarity_cases():
    cases = []
    for tag, shape, axis, eps, tiny in [("last", [3, 5], -1, 1e-12, False), ("axis1", [2, 4, 3], 1, 1e-12, False),
                                        ("clamped", [3, 4], -1, 1e-2, True)]:
        x = torch.randn(shape)
        if tiny:
            x[1] *= 1e-4  # below eps: the clamp path
        x = leaf(x)
        out = F.normalize(x, p=2.0, dim=axis, eps=eps)
        p, g = grads_of(out, {"x": x})
        cases.append(case(f"normalize_{tag}", {"x": x, "probe": p}, {"out": out}, g, {"axis": axis, "eps": eps}))
    for tag, sa, sb, axis, eps, tiny in [("rows", [4, 6], [4, 6], 1, 1e-8, False),
                                         ("broadcast", [3, 1, 5], [1, 4, 5], -1, 1e-8, False),
                                         ("clamped", [3, 4], [3, 4], 1, 1e-2, True)]:
        a, b = torch.randn(sa), torch.randn(sb)
        if tiny:
            a[1] *= 1e-4
        a, b = leaf(a), leaf(b)
        out = F.cosine_similarity(a, b, dim=axis, eps=eps)
        p, g = grads_of(out, {"a": a, "b": b})
        cases.append(case(f"cosine_{tag}", {"a": a, "b": b, "probe": p}, {"out": out}, g, {"axis": axis, "eps": eps}))
    return cases


if __name__ == "__main__":
    write("PRIMATensorTests", "unary", GENERATOR, unary_cases())
    write("PRIMATensorTests", "neural", GENERATOR,
          softmax_cases() + norm_cases() + cross_entropy_cases() + similarity_cases())
