"""Independent reference for the Gaussian stitch (StitcherTorchReferenceTest).

OUR TRANSCRIPTION, not a published package: MONAI's sliding_window_inference and nnU-Net are not installed
here, so this re-implements their method with torch and scipy: nnU-Net's importance map (scipy.ndimage
gaussian_filter of a centred delta, sigma = scale * T, mode constant, divided by its max, zeros replaced by
the smallest non-zero value) and the classic full-canvas accumulate-and-divide (MONAI's
`output += w * p; count += w; output / count`), in float64.

usage: stitch_ref.py CASES.json
  CASES: a list of {"width", "height", "tile", "sigma_scale", "ys": [...], "xs": [...], "tiles": PATH, "out": PATH}
  tiles: float32 little-endian, [len(ys)][len(xs)][T][T]; out (written): float64 little-endian, [height][width]
"""
import json
import sys

import numpy as np
import torch
from scipy.ndimage import gaussian_filter


def importance_map(t, sigma_scale):
    tmp = np.zeros((t, t))
    tmp[t // 2, t // 2] = 1
    g = gaussian_filter(tmp, [sigma_scale * t, sigma_scale * t], 0, mode="constant", cval=0)
    g = g / np.max(g)
    g[g == 0] = np.min(g[g != 0])
    return torch.from_numpy(g)


def stitch(meta):
    w, h, t = meta["width"], meta["height"], meta["tile"]
    ys, xs = meta["ys"], meta["xs"]
    tiles = np.fromfile(meta["tiles"], dtype="<f4").reshape(len(ys), len(xs), t, t)
    tiles = torch.from_numpy(tiles.astype(np.float64))
    wmap = importance_map(t, meta["sigma_scale"])
    acc = torch.zeros((h, w), dtype=torch.float64)
    cnt = torch.zeros((h, w), dtype=torch.float64)
    for r, y0 in enumerate(ys):
        for c, x0 in enumerate(xs):
            acc[y0:y0 + t, x0:x0 + t] += wmap * tiles[r, c]
            cnt[y0:y0 + t, x0:x0 + t] += wmap
    (acc / cnt).numpy().astype("<f8").tofile(meta["out"])


def main():
    for meta in json.load(open(sys.argv[1])):
        stitch(meta)


if __name__ == "__main__":
    main()
