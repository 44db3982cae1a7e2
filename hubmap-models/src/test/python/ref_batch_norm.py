"""Reference for NhwcBatchNormHelperTest: training-mode torch.nn.functional.batch_norm, forward and gradients.

Usage: /usr/bin/python3 ref_batch_norm.py OUTDIR
For each case writes OUTDIR/CASE.npz with x [N,H,W,C] (NHWC, as the layer sees it), gamma, beta [C], dy (the
upstream gradient), and, computed by torch in float64 from those float32 arrays: y, the batch mean and biased
variance, dx, dgamma, dbeta. eps 1e-5, fixed seed.
"""
import os
import sys

import numpy as np
import torch

# name: N, H, W, C (a non-zero mean and a spread per channel check the centring)
CASES = {
    "narrow_8": (2, 16, 12, 8),
    "wide_96": (2, 8, 6, 96),
    "odd_24": (3, 7, 9, 24),
    "many_pixels_8": (4, 64, 64, 8),
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(1914)
for name, (n, h, w, c) in CASES.items():
    x32 = (torch.rand(n, h, w, c) * 3 + torch.randn(c) * 2).float()
    g32 = (torch.rand(c) + 0.5).float()
    b32 = torch.randn(c).float()
    dy32 = torch.randn(n, h, w, c).float()
    x = x32.double().permute(0, 3, 1, 2).clone().requires_grad_(True)
    g = g32.double().clone().requires_grad_(True)
    b = b32.double().clone().requires_grad_(True)
    y = torch.nn.functional.batch_norm(x, None, None, g, b, training=True, eps=1e-5)
    dy = dy32.double().permute(0, 3, 1, 2)
    (y * dy).sum().backward()
    mean = x.detach().mean(dim=(0, 2, 3))
    var = x.detach().var(dim=(0, 2, 3), unbiased=False)
    nhwc = lambda t: t.detach().permute(0, 2, 3, 1).numpy()
    np.savez(os.path.join(out, name + ".npz"), x=x32.numpy(), gamma=g32.numpy(), beta=b32.numpy(),
             dy=dy32.numpy(), y=nhwc(y), mean=mean.numpy(), var=var.numpy(), dx=nhwc(x.grad),
             dgamma=g.grad.numpy(), dbeta=b.grad.numpy())
print("ok")
