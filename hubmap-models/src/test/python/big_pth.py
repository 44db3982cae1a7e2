#!/usr/bin/python3
"""A 180 MB state_dict for measuring load time and memory (docs/weights.md):
/usr/bin/python3 big_pth.py OUTDIR writes OUTDIR/big.pth (zip) and OUTDIR/big.legacy.pth (torch < 1.6 format),
45,000,000 float32 values in 82 tensors (40 of 256x256x3x3, 40 vectors, a 1000x2048 and one large vector)."""
import collections
import os
import sys

import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
g = torch.Generator().manual_seed(1)
sd = collections.OrderedDict()
for i in range(40):
    sd["layer%d.conv.weight" % i] = torch.randn(256, 256, 3, 3, generator=g)
for i in range(40):
    sd["layer%d.bn.running_var" % i] = torch.rand(256, generator=g)
sd["fc.weight"] = torch.randn(1000, 2048, generator=g)
rest = 180_000_000 - sum(v.numel() * 4 for v in sd.values())
sd["big.weight"] = torch.randn(rest // 4, generator=g)
torch.save(sd, os.path.join(out, "big.pth"))
torch.save(sd, os.path.join(out, "big.legacy.pth"), _use_new_zipfile_serialization=False)
print(sum(v.numel() * 4 for v in sd.values()), "bytes of float32")
