"""Reference fixtures for PRIMANN: optimisers (torch.optim), schedules (transformers / torch),
clip_grad_norm_, layer forwards and gradients (Linear, LayerNorm, RMSNorm, Conv1d, Conv2d), and a 10-step AdamW training curve of a small MLP.

Run: python Scripts/reference/gen_nn.py  (writes Tests/PRIMANNTests/Fixtures/nn.json and nn_conv.json)
"""
import math

import torch
import torch.nn.functional as F
from transformers import (get_constant_schedule_with_warmup, get_cosine_schedule_with_warmup,
                          get_cosine_with_min_lr_schedule_with_warmup, get_linear_schedule_with_warmup)

from fixture import case, write

torch.manual_seed(0)
torch.set_num_threads(1)
STEPS = 5


def optimizer_case(name, make, params_info):
    """Runs `make(params)` for STEPS steps on fixed gradients; records params after each step."""
    g = torch.Generator().manual_seed(len(name))
    init = [torch.randn(shape, generator=g) for shape in params_info]
    params = [torch.nn.Parameter(t.clone()) for t in init]
    opt = make(params)
    inputs = {f"p{i}": t for i, t in enumerate(init)}
    outputs = {}
    for step in range(STEPS):
        for i, p in enumerate(params):
            grad = torch.randn(p.shape, generator=g)
            inputs[f"grad{step}_p{i}"] = grad
            p.grad = grad.clone()
        opt.step()
        for i, p in enumerate(params):
            outputs[f"step{step}_p{i}"] = p.detach().clone()
    hyper = {k: v for k, v in opt.param_groups[0].items() if k in
             ("lr", "momentum", "dampening", "nesterov", "weight_decay", "eps")}
    if "betas" in opt.param_groups[0]:
        hyper["beta1"], hyper["beta2"] = opt.param_groups[0]["betas"]
    hyper["steps"] = STEPS
    hyper["count"] = len(params)
    return case(name, inputs, outputs, params=hyper)


def optimizer_cases():
    shapes = [(3, 4), (5,)]
    return [
        optimizer_case("sgd_nesterov", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True,
                                                                 weight_decay=0.01), shapes),
        optimizer_case("sgd_dampening", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.8, dampening=0.1,
                                                                  weight_decay=0.02), shapes),
        optimizer_case("sgd_plain", lambda p: torch.optim.SGD(p, lr=0.1), shapes),
        optimizer_case("adam_l2", lambda p: torch.optim.Adam(p, lr=1e-2, weight_decay=0.1), shapes),
        optimizer_case("adamw", lambda p: torch.optim.AdamW(p, lr=1e-2, betas=(0.8, 0.99), eps=1e-6,
                                                            weight_decay=0.1), shapes),
    ]


def schedule_factors(make, steps):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def schedule_case():
    n = 25
    params = {
        "steps": n,
        "cosine": schedule_factors(lambda o: get_cosine_schedule_with_warmup(o, 3, 20), n),
        "cosine_min": schedule_factors(lambda o: get_cosine_with_min_lr_schedule_with_warmup(
            o, 4, 20, min_lr_rate=0.1), n),
        "cosine_cycles": schedule_factors(lambda o: get_cosine_schedule_with_warmup(o, 2, 20, num_cycles=1.5), n),
        "linear": schedule_factors(lambda o: get_linear_schedule_with_warmup(o, 5, 20), n),
        "constant": schedule_factors(lambda o: get_constant_schedule_with_warmup(o, 4), n),
        "step": schedule_factors(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), n),
    }
    return case("schedules", {}, {}, params=params)


def clip_cases():
    out = []
    for name, max_norm, scale in (("clip_active", 1.0, 1.0), ("clip_inactive", 100.0, 1.0)):
        g = torch.Generator().manual_seed(3)
        grads = [torch.randn(s, generator=g) * scale for s in ((4, 3), (7,), (2, 2, 2))]
        params = [torch.nn.Parameter(torch.zeros(gr.shape)) for gr in grads]
        for p, gr in zip(params, grads):
            p.grad = gr.clone()
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        inputs = {f"g{i}": gr for i, gr in enumerate(grads)}
        outputs = {f"g{i}": p.grad for i, p in enumerate(params)}
        outputs["norm"] = norm.reshape(1)
        out.append(case(name, inputs, outputs, params={"max_norm": max_norm}))
    return out


def layer_cases():
    g = torch.Generator().manual_seed(11)
    cases = []
    x = torch.randn(2, 3, 6, generator=g)
    probe = torch.randn(2, 3, 5, generator=g)
    lin = torch.nn.Linear(6, 5)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(5, 6, generator=g))
        lin.bias.copy_(torch.randn(5, generator=g))
    xr = x.clone().requires_grad_()
    y = lin(xr)
    (y * probe).sum().backward()
    cases.append(case("linear", {"x": x, "weight": lin.weight, "bias": lin.bias, "probe": probe}, {"out": y},
                      grads={"x": xr.grad, "weight": lin.weight.grad, "bias": lin.bias.grad}))
    probe6 = torch.randn(2, 3, 6, generator=g)
    ln = torch.nn.LayerNorm(6, eps=1e-5)
    with torch.no_grad():
        ln.weight.copy_(torch.randn(6, generator=g))
        ln.bias.copy_(torch.randn(6, generator=g))
    xr = x.clone().requires_grad_()
    y = ln(xr)
    (y * probe6).sum().backward()
    cases.append(case("layer_norm", {"x": x, "weight": ln.weight, "bias": ln.bias, "probe": probe6}, {"out": y},
                      grads={"x": xr.grad, "weight": ln.weight.grad, "bias": ln.bias.grad}, params={"eps": 1e-5}))
    rms = torch.nn.RMSNorm(6, eps=1e-6)
    with torch.no_grad():
        rms.weight.copy_(torch.randn(6, generator=g))
    xr = x.clone().requires_grad_()
    y = rms(xr)
    (y * probe6).sum().backward()
    cases.append(case("rms_norm", {"x": x, "weight": rms.weight, "probe": probe6}, {"out": y},
                      grads={"x": xr.grad, "weight": rms.weight.grad}, params={"eps": 1e-6}))
    return cases


class MLP(torch.nn.Module):
    """Same keys as PRIMANN.MLP: layers.0, layers.1 in a ModuleList."""

    def __init__(self, sizes):
        super().__init__()
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.gelu(x)
        return x


def training_case():
    torch.manual_seed(5)
    model = MLP([4, 8, 3])
    g = torch.Generator().manual_seed(21)
    x = torch.randn(6, 4, generator=g)
    labels = torch.tensor([0, 2, 1, 1, 0, 2])
    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    opt = torch.optim.AdamW(model.parameters(), lr=5e-2, weight_decay=0.01)
    steps = 10
    sched = get_cosine_schedule_with_warmup(opt, 2, steps)
    losses, norms = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)))
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    inputs = {"x": x, "labels": labels.float()}
    inputs.update({"init." + k: v for k, v in initial.items()})
    outputs = {"losses": torch.tensor(losses), "grad_norms": torch.tensor(norms)}
    outputs.update({"final." + k: v for k, v in model.state_dict().items()})
    return case("mlp_adamw_training", inputs, outputs,
                params={"lr": 5e-2, "weight_decay": 0.01, "warmup": 2, "steps": steps, "max_norm": 1.0})


def conv_cases():
    g = torch.Generator().manual_seed(17)
    out = []
    specs = [
        ("conv1d_stride_pad", 1, dict(cin=3, cout=4, k=3, stride=2, padding=1, dilation=1, groups=1), (2, 3, 9)),
        ("conv1d_groups_dilation", 1, dict(cin=4, cout=6, k=2, stride=1, padding=2, dilation=2, groups=2), (2, 4, 7)),
        ("conv2d_stride_pad", 2, dict(cin=3, cout=4, k=(3, 2), stride=(2, 1), padding=(1, 0), dilation=1, groups=1),
         (2, 3, 7, 6)),
        ("conv2d_patches", 2, dict(cin=3, cout=5, k=2, stride=2, padding=0, dilation=1, groups=1), (2, 3, 5, 4)),
        ("conv2d_groups_dilation", 2, dict(cin=4, cout=4, k=2, stride=(1, 2), padding=1, dilation=(2, 1), groups=2),
         (1, 4, 6, 5)),
    ]
    for name, dims, s, shape in specs:
        cls = torch.nn.Conv1d if dims == 1 else torch.nn.Conv2d
        conv = cls(s["cin"], s["cout"], s["k"], stride=s["stride"], padding=s["padding"], dilation=s["dilation"],
                   groups=s["groups"])
        with torch.no_grad():
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=g))
            conv.bias.copy_(torch.randn(conv.bias.shape, generator=g))
        x = torch.randn(shape, generator=g).requires_grad_()
        y = conv(x)
        probe = torch.randn(y.shape, generator=g)
        (y * probe).sum().backward()
        pair = lambda v: list(v) if isinstance(v, tuple) else [v] * dims
        out.append(case(name, {"x": x, "weight": conv.weight, "bias": conv.bias, "probe": probe}, {"out": y},
                        grads={"x": x.grad, "weight": conv.weight.grad, "bias": conv.bias.grad},
                        params={"stride": pair(s["stride"]), "padding": pair(s["padding"]),
                                "dilation": pair(s["dilation"]), "groups": s["groups"]}))
    return out


if __name__ == "__main__":
    write("PRIMANNTests", "nn", "Scripts/reference/gen_nn.py",
          optimizer_cases() + [schedule_case()] + clip_cases() + layer_cases() + [training_case()])
    write("PRIMANNTests", "nn_conv", "Scripts/reference/gen_nn.py", conv_cases())
