"""Reference outputs and gradients for Tensor.conv1d / Tensor.conv2d (Ops/Convolution.swift) from
torch.nn.functional.conv1d / conv2d. Writes Tests/PRIMATensorTests/Fixtures/convolution.json.
"""
import torch
import torch.nn.functional as F

from fixture import case, probe, write


def conv_case(name, dims, batch, cin, spatial, cout, kernel, seed, stride=1, padding=0, dilation=1, groups=1,
              bias=True):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, cin, *spatial, generator=g).requires_grad_()
    w = (torch.randn(cout, cin // groups, *kernel, generator=g) * 0.5).requires_grad_()
    b = torch.randn(cout, generator=g).requires_grad_() if bias else None
    conv = F.conv1d if dims == 1 else F.conv2d
    out = conv(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    p = probe(out.shape, seed=seed + 1)
    (out * p).sum().backward()
    inputs = {"input": x, "weight": w, "probe": p}
    grads = {"input": x.grad, "weight": w.grad}
    if bias:
        inputs["bias"] = b
        grads["bias"] = b.grad
    as_list = lambda v: list(v) if isinstance(v, tuple) else [v] * dims
    params = {"dims": dims, "stride": as_list(stride), "padding": as_list(padding), "dilation": as_list(dilation),
              "groups": groups}
    return case(name, inputs, {"out": out}, grads, params)


def main():
    cases = [
        conv_case("conv2d_stride_padding", 2, 2, 3, (7, 5), 4, (3, 2), seed=1, stride=(2, 1), padding=(1, 1)),
        conv_case("conv2d_dilation_no_bias", 2, 1, 2, (6, 8), 3, (3, 3), seed=2, stride=(1, 2), padding=(2, 0),
                  dilation=(2, 1), bias=False),
        conv_case("conv2d_patch_embed", 2, 2, 3, (8, 12), 5, (4, 4), seed=3, stride=(4, 4)),
        conv_case("conv2d_patch_embed_remainder", 2, 1, 2, (9, 10), 3, (3, 4), seed=4, stride=(3, 4), bias=False),
        conv_case("conv2d_depthwise", 2, 2, 4, (5, 6), 8, (3, 3), seed=5, padding=(1, 1), groups=4),
        conv_case("conv2d_grouped", 2, 1, 4, (4, 5), 6, (2, 2), seed=6, groups=2, bias=False),
        conv_case("conv1d_stride_padding", 1, 2, 3, (11,), 4, (3,), seed=7, stride=2, padding=1),
        conv_case("conv1d_dilation_no_bias", 1, 1, 2, (9,), 3, (3,), seed=8, padding=2, dilation=2, bias=False),
        conv_case("conv1d_depthwise", 1, 2, 3, (10,), 3, (4,), seed=9, padding=1, groups=3),
    ]
    write("PRIMATensorTests", "convolution", "Scripts/reference/gen_conv.py", cases)


if __name__ == "__main__":
    main()
