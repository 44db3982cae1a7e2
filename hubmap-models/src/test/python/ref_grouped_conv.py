"""Reference for GroupedConvolutionTest: torch.nn.functional.conv2d(groups=G), forward and gradients.

Usage: /usr/bin/python3 ref_grouped_conv.py OUTDIR
For each case writes OUTDIR/CASE.npz with x [N,C,H,W], w [out, in/G, k, k], b [out] (if any), r (the upstream
gradient, shape of y), y = conv2d(x, w, b, stride, padding, groups), and the gradients of L = sum(y * r):
dx, dw, db. float32, CPU, fixed seed.
"""
import sys, os
import numpy as np
import torch

# name: N, Cin, H, W, Cout, G, k, stride, pad, bias
CASES = {
    "resnext_l1": (2, 128, 14, 14, 128, 32, 3, 1, 1, False),
    "resnext_s2_odd": (2, 256, 15, 13, 256, 32, 3, 2, 1, False),
    "uneven_bias": (3, 12, 9, 11, 24, 3, 3, 1, 1, True),
    "k1_nopad": (2, 16, 6, 5, 8, 4, 1, 1, 0, True),
    # G = 1: dense convolutions (NhwcConvolutionLayer's oneDNN 2.5 path)
    "dense_k3_narrow": (2, 8, 17, 15, 8, 1, 3, 1, 1, True),
    "dense_s2_odd": (2, 16, 15, 13, 24, 1, 3, 2, 1, False),
    "dense_k1": (2, 32, 6, 5, 16, 1, 1, 1, 0, True),
    "dense_stem_k7": (2, 3, 19, 17, 16, 1, 7, 2, 3, False),
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(1913)
for name, (n, cin, h, w, cout, g, k, s, p, bias) in CASES.items():
    x = torch.randn(n, cin, h, w, requires_grad=True)
    wt = (torch.randn(cout, cin // g, k, k) / np.sqrt(cin // g * k * k)).requires_grad_(True)
    b = torch.randn(cout, requires_grad=True) if bias else None
    y = torch.nn.functional.conv2d(x, wt, b, stride=s, padding=p, groups=g)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    d = dict(x=x.detach().numpy(), w=wt.detach().numpy(), r=r.numpy(), y=y.detach().numpy(),
             dx=x.grad.numpy(), dw=wt.grad.numpy(),
             geometry=np.array([n, cin, h, w, cout, g, k, s, p, int(bias)], dtype=np.int64))
    if bias:
        d["b"] = b.detach().numpy()
        d["db"] = b.grad.numpy()
    np.savez(os.path.join(out, name + ".npz"), **d)
print("ok")
