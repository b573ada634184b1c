"""Reference outputs and gradients for the core tensor ops (PRIMATensor): binary ops with broadcasting,
reductions, matrix products, layout ops and indexing.

Every case computes `outs = op(inputs)` in float32 and the gradients of the scalar loss
`sum_i sum(outs[i] * probe_i)`, where the probe weights are fixed and saved in the fixture (inputs
"probe" for one output, "probe0", "probe1", ... for several). Inputs named in `params["diff"]` are the
differentiable ones; the rest (index tensors) are constants.

Writes Tests/PRIMATensorTests/Fixtures/core_{binary,reduce,matmul,layout,indexing}.json.
Run: /work/venv-ref/bin/python Scripts/reference/gen_core.py  (or Scripts/reference/generate.sh)
"""
import torch
import torch.nn.functional as F

from fixture import case, probe, tensor, write

TARGET = "PRIMATensorTests"
GEN = "Scripts/reference/gen_core.py"
torch.manual_seed(0)


def randn(*shape):
    return torch.randn(tuple(shape), dtype=torch.float32)


def away_from_zero(*shape):
    """Denominators: |x| >= 0.5 with random sign."""
    x = randn(*shape)
    return torch.sign(x) * (0.5 + x.abs())


def separated(*shape, offset=0.0):
    """Distinct values on a grid of spacing 0.1 (shifted by `offset`), so that finite differences of
    step 1e-2 never cross a tie of max/min."""
    n = 1
    for d in shape:
        n *= d
    return ((torch.randperm(n).float() - n // 2 + offset) * 0.1).reshape(tuple(shape))


def run(name, fn, diff, consts=None, params=None):
    """Evaluates `fn(**diff, **consts)` and the gradients of `sum(out * probe)` for the `diff` inputs."""
    consts = consts or {}
    leaves = {k: v.clone().requires_grad_(True) for k, v in diff.items()}
    result = fn(**leaves, **consts)
    outs = list(result) if isinstance(result, (list, tuple)) else [result]
    single = not isinstance(result, (list, tuple))
    probes = [probe(list(o.shape), seed=7 + i) for i, o in enumerate(outs)]
    loss = sum((o * p).sum() for o, p in zip(outs, probes) if o.is_floating_point())
    grads = {}
    if isinstance(loss, torch.Tensor) and loss.requires_grad:
        loss.backward()
        grads = {k: (v.grad if v.grad is not None else torch.zeros_like(v)) for k, v in leaves.items()}
    inputs = dict(diff)
    inputs.update(consts)
    out_names = ["out"] if single else [f"out{i}" for i in range(len(outs))]
    probe_names = ["probe"] if single else [f"probe{i}" for i in range(len(outs))]
    inputs.update(dict(zip(probe_names, probes)))
    p = dict(params or {})
    p["diff"] = list(diff.keys())
    p["outputs"] = len(outs)
    return case(name, inputs, {n: o.float() for n, o in zip(out_names, outs)}, grads, p)


# --- binary ops ---------------------------------------------------------------------------------

BINARY = {
    "add": torch.add,
    "sub": torch.sub,
    "mul": torch.mul,
    "div": torch.div,
    "maximum": torch.maximum,
    "minimum": torch.minimum,
}

BROADCAST_PATTERNS = [
    ("same", [3, 4], [3, 4]),
    ("scalar_b", [3, 4], []),
    ("scalar_a", [], [2, 3]),
    ("one_element_b", [2, 3], [1]),
    ("row", [3, 4], [4]),
    ("column", [3, 4], [3, 1]),
    ("outer", [2, 1, 3], [4, 1]),
    ("rank_mismatch", [2, 3, 4], [3, 4]),
    ("both_broadcast", [4, 1], [1, 5]),
    ("middle", [2, 3, 4], [2, 1, 4]),
]


def binary_cases():
    cases = []
    for op, fn in BINARY.items():
        for pattern, sa, sb in BROADCAST_PATTERNS:
            a = randn(*sa)
            if op in ("maximum", "minimum"):
                a, b = separated(*sa), separated(*sb, offset=0.5)
            else:
                b = away_from_zero(*sb) if op == "div" else randn(*sb)
            cases.append(run(f"{op}_{pattern}", lambda a, b, fn=fn: fn(a, b), {"a": a, "b": b}, params={"op": op}))
    # Tensor-scalar variants.
    for op, s in [("add_scalar", 1.5), ("scalar_add", -0.75), ("sub_scalar", 2.0), ("scalar_sub", 1.25),
                  ("mul_scalar", -3.0), ("scalar_mul", 0.5), ("div_scalar", 4.0), ("scalar_div", 2.5), ("neg", 0.0)]:
        a = away_from_zero(3, 4) if op == "scalar_div" else randn(3, 4)
        fn = {
            "add_scalar": lambda a: a + s, "scalar_add": lambda a: s + a,
            "sub_scalar": lambda a: a - s, "scalar_sub": lambda a: s - a,
            "mul_scalar": lambda a: a * s, "scalar_mul": lambda a: s * a,
            "div_scalar": lambda a: a / s, "scalar_div": lambda a: s / a,
            "neg": lambda a: -a,
        }[op]
        cases.append(run(op, fn, {"a": a}, params={"op": op, "scalar": s}))
    # Ties in maximum/minimum: PyTorch splits the gradient evenly between equal inputs.
    a = torch.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    b = torch.tensor([[1.0, 0.0, 3.0], [2.0, -1.0, 4.0]])
    for op in ("maximum", "minimum"):
        cases.append(run(f"{op}_ties", lambda a, b, fn=BINARY[op]: fn(a, b), {"a": a, "b": b},
                         params={"op": op, "ties": True}))
    return cases


# --- reductions ---------------------------------------------------------------------------------

def reduce_cases():
    cases = []
    x3 = randn(3, 4, 5)
    x4 = randn(2, 3, 4, 5)
    axes_list = [([1], x3), ([-1], x3), ([0], x3), ([0, 2], x3), ([1, 3], x4), ([0, 2, 3], x4), (None, x3)]
    separated_list = [(axes, separated(*x.shape)) for axes, x in axes_list]
    for op in ("sum", "mean", "amax", "amin"):
        for axes, x in (separated_list if op in ("amax", "amin") else axes_list):
            for keep in (False, True):
                def fn(x, op=op, axes=axes, keep=keep):
                    f = getattr(torch, op)
                    if axes is None:
                        return f(x, dim=tuple(range(x.dim())), keepdim=keep) if op in ("amax", "amin") else (
                            f(x, dim=tuple(range(x.dim())), keepdim=keep))
                    return f(x, dim=axes, keepdim=keep)
                tag = "all" if axes is None else "_".join(str(a) for a in axes)
                cases.append(run(f"{op}_{tag}_keep{int(keep)}", fn, {"x": x},
                                 params={"op": op, "axes": axes, "keepDims": keep}))
    # Ties: the gradient of amax/amin is split evenly among the tied extrema.
    xt = torch.tensor([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [-1.0, 0.0, -1.0, 5.0]])
    for op in ("amax", "amin"):
        cases.append(run(f"{op}_ties", lambda x, op=op: getattr(torch, op)(x, dim=[1]), {"x": xt},
                         params={"op": op, "axes": [1], "keepDims": False, "ties": True}))
    for correction in (0, 1):
        for axes, x in [([1], x3), ([0, 2], x3), (None, x3), ([-1], x4)]:
            for keep in (False, True):
                dims = tuple(range(x.dim())) if axes is None else axes
                tag = "all" if axes is None else "_".join(str(a) for a in axes)
                cases.append(run(f"var{correction}_{tag}_keep{int(keep)}",
                                 lambda x, dims=dims, c=correction, keep=keep: torch.var(x, dim=dims, correction=c, keepdim=keep),
                                 {"x": x}, params={"op": "variance", "axes": axes, "correction": correction, "keepDims": keep}))
    lse = randn(4, 5) * 3
    lse[1, 2] = float("-inf")
    lse[2, 0] = 40.0  # large values must not overflow
    # JSON has no infinities: the fixture stores 0 at the -inf position and names it in "negInfIndex".
    neg_inf_index = 1 * 5 + 2
    stored = lse.clone()
    stored.view(-1)[neg_inf_index] = 0.0
    for axes, keep in [([1], False), ([1], True), ([0], False), ([0, 1], False)]:
        c = run(f"logsumexp_{'_'.join(map(str, axes))}_keep{int(keep)}",
                lambda x, axes=axes, keep=keep: torch.logsumexp(x, dim=axes, keepdim=keep),
                {"x": lse}, params={"op": "logSumExp", "axes": axes, "keepDims": keep, "negInfIndex": neg_inf_index})
        c["inputs"]["x"] = tensor(stored)
        cases.append(c)
    # argmax/argmin: ties resolve to the first index, as in PyTorch.
    xa = torch.tensor([[[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, -1.0], [5.0, 0.0, 5.0, 4.0]],
                       [[0.0, 0.0, 0.0, 0.0], [-2.0, 7.0, 7.0, -2.0], [1.0, 2.0, 3.0, 4.0]]])
    for op in ("argmax", "argmin"):
        for axis in (0, 1, 2, -1):
            for keep in (False, True):
                cases.append(run(f"{op}_{axis}_keep{int(keep)}",
                                 lambda x, op=op, axis=axis, keep=keep: getattr(torch, op)(x, dim=axis, keepdim=keep).float(),
                                 {}, consts={"x": xa}, params={"op": op, "axis": axis, "keepDims": keep}))
    return cases


# --- matrix products ----------------------------------------------------------------------------

def matmul_cases():
    cases = []
    shapes = [
        ("2d", [3, 4], [4, 5]),
        ("batched", [2, 3, 4], [2, 4, 5]),
        ("broadcast_batch", [2, 1, 3, 4], [5, 4, 2]),
        ("matrix_times_batch", [3, 4], [2, 4, 5]),
        ("batch_times_matrix", [2, 3, 4], [4, 5]),
        ("vector_like", [1, 4], [4, 1]),
    ]
    for name, sa, sb in shapes:
        for ta in (False, True):
            for tb in (False, True):
                # Store the operands so that op(a) has shape sa and op(b) has shape sb.
                a = randn(*(sa[:-2] + [sa[-1], sa[-2]] if ta else sa))
                b = randn(*(sb[:-2] + [sb[-1], sb[-2]] if tb else sb))

                def fn(a, b, ta=ta, tb=tb):
                    return torch.matmul(a.mT if ta else a, b.mT if tb else b)
                cases.append(run(f"{name}_t{int(ta)}{int(tb)}", fn, {"a": a, "b": b},
                                 params={"transposeA": ta, "transposeB": tb}))
    # Above the small-product threshold (m*n*k > 4096), so these go through cblas_sgemm; the second
    # pair also takes the folded-batch path for a shared 2-D weight.
    for name, sa, sb, ta, tb in [("blas_broadcast_batch", [2, 1, 17, 16], [2, 16, 17], False, False),
                                 ("blas_broadcast_batch", [2, 1, 17, 16], [2, 16, 17], True, True),
                                 ("blas_shared_weight", [2, 9, 16], [16, 32], False, False),
                                 ("blas_shared_weight", [2, 9, 16], [16, 32], False, True)]:
        a = randn(*(sa[:-2] + [sa[-1], sa[-2]] if ta else sa))
        b = randn(*(sb[:-2] + [sb[-1], sb[-2]] if tb else sb))
        cases.append(run(f"{name}_t{int(ta)}{int(tb)}",
                         lambda a, b, ta=ta, tb=tb: torch.matmul(a.mT if ta else a, b.mT if tb else b),
                         {"a": a, "b": b},
                         # Too many output terms for float32 finite differences; PyTorch is the reference.
                         params={"transposeA": ta, "transposeB": tb, "finiteDifferences": False}))
    return cases


# --- layout -------------------------------------------------------------------------------------

def layout_cases():
    cases = []
    x = randn(2, 3, 4)
    cases.append(run("reshape_hole", lambda x: x.reshape(4, -1), {"x": x}, params={"op": "reshape", "shape": [4, -1]}))
    cases.append(run("reshape_flat", lambda x: x.reshape(-1), {"x": x}, params={"op": "reshape", "shape": [-1]}))
    cases.append(run("permute_201", lambda x: x.permute(2, 0, 1), {"x": x}, params={"op": "permute", "order": [2, 0, 1]}))
    x4 = randn(2, 3, 4, 2)
    cases.append(run("permute_3120", lambda x: x.permute(3, 1, 2, 0), {"x": x4}, params={"op": "permute", "order": [3, 1, 2, 0]}))
    cases.append(run("transpose_last", lambda x: x.transpose(-2, -1), {"x": x}, params={"op": "transpose", "axes": [-2, -1]}))
    cases.append(run("transpose_02", lambda x: x.transpose(0, 2), {"x": x}, params={"op": "transpose", "axes": [0, 2]}))
    e = randn(3, 1, 2)
    cases.append(run("expand", lambda x: x.expand(4, 3, 5, 2), {"x": e}, params={"op": "expand", "shape": [4, 3, 5, 2]}))
    e1 = randn(3, 1)
    cases.append(run("expand_last", lambda x: x.expand(3, 6), {"x": e1}, params={"op": "expand", "shape": [3, 6]}))
    cases.append(run("narrow_mid", lambda x: x.narrow(1, 1, 2), {"x": x}, params={"op": "narrow", "axis": 1, "start": 1, "length": 2}))
    cases.append(run("narrow_last", lambda x: x.narrow(-1, 2, 2), {"x": x}, params={"op": "narrow", "axis": -1, "start": 2, "length": 2}))
    cases.append(run("slice_first", lambda x: x[0:1], {"x": x}, params={"op": "slice", "axis": 0, "start": 0, "end": 1}))
    parts = {"a": randn(2, 1, 4), "b": randn(2, 3, 4), "c": randn(2, 2, 4)}
    cases.append(run("concat_middle", lambda a, b, c: torch.cat([a, b, c], dim=1), parts, params={"op": "concat", "axis": 1}))
    parts_last = {"a": randn(2, 3, 1), "b": randn(2, 3, 2), "c": randn(2, 3, 3)}
    cases.append(run("concat_last", lambda a, b, c: torch.cat([a, b, c], dim=-1), parts_last, params={"op": "concat", "axis": -1}))
    same = {"a": randn(2, 3), "b": randn(2, 3), "c": randn(2, 3)}
    for axis in (0, 1, -1):
        cases.append(run(f"stack_{axis}", lambda a, b, c, axis=axis: torch.stack([a, b, c], dim=axis), same,
                         params={"op": "stack", "axis": axis}))
    s = randn(3, 7, 2)
    cases.append(run("split_sizes", lambda x: torch.split(x, [2, 4, 1], dim=1), {"x": s},
                     params={"op": "split", "sizes": [2, 4, 1], "axis": 1}))
    cases.append(run("chunk_uneven", lambda x: torch.chunk(x, 3, dim=1), {"x": s}, params={"op": "chunk", "chunks": 3, "axis": 1}))
    cases.append(run("chunk_fewer", lambda x: torch.chunk(x, 4, dim=0), {"x": randn(6, 2)}, params={"op": "chunk", "chunks": 4, "axis": 0}))
    cases.append(run("pad_last", lambda x: F.pad(x, [1, 2]), {"x": x}, params={"op": "pad", "pads": [1, 2], "value": 0.0}))
    cases.append(run("pad_two_axes_value", lambda x: F.pad(x, [0, 1, 2, 1], value=-1.5), {"x": x},
                     params={"op": "pad", "pads": [0, 1, 2, 1], "value": -1.5}))
    cases.append(run("pad_three_axes", lambda x: F.pad(x, [1, 0, 0, 2, 1, 1], value=0.25), {"x": x},
                     params={"op": "pad", "pads": [1, 0, 0, 2, 1, 1], "value": 0.25}))
    cases.append(run("unsqueeze_neg", lambda x: x.unsqueeze(-1), {"x": x}, params={"op": "unsqueeze", "axis": -1}))
    cases.append(run("squeeze", lambda x: x.squeeze(1), {"x": randn(3, 1, 2)}, params={"op": "squeeze", "axis": 1}))
    cases.append(run("flatten_mid", lambda x: x.flatten(1, 2), {"x": x4}, params={"op": "flatten", "start": 1, "end": 2}))
    return cases


# --- indexing -----------------------------------------------------------------------------------

def indexing_cases():
    cases = []
    table = randn(6, 4)
    ids = torch.tensor([[1, 3, 1], [5, 1, 0]])
    # F.embedding needs integer ids; the fixture stores them as floats (the library's convention).
    cases.append(run("embedding_repeated", lambda w, ids: F.embedding(ids.long(), w), {"w": table}, {"ids": ids.float()},
                     params={"op": "embedding"}))
    x = randn(3, 5, 2)
    idx = torch.tensor([4, 0, 4, 2, 4])
    cases.append(run("index_select_axis1", lambda x, idx: torch.index_select(x, 1, idx.long()), {"x": x}, {"idx": idx.float()},
                     params={"op": "indexSelect", "axis": 1}))
    cases.append(run("index_select_axis0", lambda x, idx: torch.index_select(x, 0, idx.long()), {"x": x},
                     {"idx": torch.tensor([2.0, 2.0, 0.0])}, params={"op": "indexSelect", "axis": 0}))
    cases.append(run("index_select_last", lambda x, idx: torch.index_select(x, -1, idx.long()), {"x": x},
                     {"idx": torch.tensor([1.0, 1.0, 1.0, 0.0])}, params={"op": "indexSelect", "axis": -1}))
    g = randn(3, 4)
    gi = torch.tensor([[0, 3, 3], [1, 1, 1], [2, 0, 3]])
    cases.append(run("gather_last", lambda x, idx: torch.gather(x, 1, idx.long()), {"x": g}, {"idx": gi.float()},
                     params={"op": "gather", "axis": 1}))
    gi0 = torch.tensor([[2, 0, 1, 2], [2, 2, 0, 1]])
    cases.append(run("gather_first", lambda x, idx: torch.gather(x, 0, idx.long()), {"x": g}, {"idx": gi0.float()},
                     params={"op": "gather", "axis": 0}))
    g3 = randn(2, 3, 4)
    gi3 = torch.tensor([[[0, 2, 1], [1, 1, 0]], [[2, 0, 0], [2, 2, 1]]])  # [2, 2, 3]: smaller than x on axes 1, 2
    cases.append(run("gather_middle_smaller", lambda x, idx: torch.gather(x, 1, idx.long()), {"x": g3}, {"idx": gi3.float()},
                     params={"op": "gather", "axis": 1}))
    return cases


if __name__ == "__main__":
    write(TARGET, "core_binary", GEN, binary_cases())
    write(TARGET, "core_reduce", GEN, reduce_cases())
    write(TARGET, "core_matmul", GEN, matmul_cases())
    write(TARGET, "core_layout", GEN, layout_cases())
    write(TARGET, "core_indexing", GEN, indexing_cases())
