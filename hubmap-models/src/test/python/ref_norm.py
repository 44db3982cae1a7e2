#!/usr/bin/python3
"""References for GroupNormVertex / BilinearUpsampleVertex (NormVerticesTest), with Debian's torch 1.13.

/usr/bin/python3 ref_norm.py OUT.npz: torch's nn.GroupNorm(4, 8) with random weight/bias, F.interpolate(bilinear,
align_corners=True) x2 and nn.UpsamplingBilinear2d(scale_factor=4) (also on a 1-pixel-high map), float64.
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

gen = torch.Generator().manual_seed(5)
x = torch.randn(2, 8, 3, 5, generator=gen, dtype=torch.float64) * 3 + 1
gn = nn.GroupNorm(4, 8).double()
gn.weight.data = torch.randn(8, generator=gen, dtype=torch.float64)
gn.bias.data = torch.randn(8, generator=gen, dtype=torch.float64)
thin = torch.randn(1, 2, 1, 3, generator=gen, dtype=torch.float64)
with torch.no_grad():
    out = {
        "x": x.numpy(), "gn_weight": gn.weight.numpy(), "gn_bias": gn.bias.numpy(), "gn": gn(x).numpy(),
        "up2": F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=True).numpy(),
        "up4": nn.UpsamplingBilinear2d(scale_factor=4)(x).numpy(),
        "thin": thin.numpy(), "thin4": nn.UpsamplingBilinear2d(scale_factor=4)(thin).numpy(),
    }
np.savez(sys.argv[1], **{k: np.ascontiguousarray(v) for k, v in out.items()})
