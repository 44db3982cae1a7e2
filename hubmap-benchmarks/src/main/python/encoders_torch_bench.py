#!/usr/bin/python3
"""PyTorch counterpart of io.github.hubmapseg.benchmarks.models.EncoderForwardMeasure.

/usr/bin/python3 hubmap-benchmarks/src/main/python/encoders_torch_bench.py [--runs 3] [--threads 2] [ENCODER ...]
The smp-layout U-Net of hubmap-models/src/test/python/hubmap_models_ref.py (decoder 256,128,64,32,16) with the
reference encoders of ref_encoders.py (pretrainedmodels-layout SE-ResNeXt, torchvision EfficientNet features
at strides 2..32), batch 4 x 3 x 256 x 256, eval mode under no_grad. Prints min and median milliseconds.
"""
import argparse
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..",
                                "hubmap-models", "src", "test", "python"))
import hubmap_models_ref as ref  # noqa: E402
import ref_encoders as enc  # noqa: E402


class Features(nn.Module):
    def __init__(self, model, fn, channels):
        super().__init__()
        self.model, self.fn, self.channels = model, fn, channels

    def forward(self, x):
        return self.fn(self.model, x)


def encoder(name):
    if name.startswith("se_resnext"):
        m = enc.se_resnext50_32x4d() if "50" in name else enc.se_resnext101_32x4d()
        return Features(m, lambda mm, x: mm.features(x), [64, 256, 512, 1024, 2048])
    n = int(name[-1])
    m = enc.efficientnet(n)
    x = torch.zeros(1, 3, 64, 64)
    channels = [f.shape[1] for f in enc.efficientnet_features(m.eval(), x)]
    return Features(m, enc.efficientnet_features, channels)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("encoders", nargs="*", default=["se_resnext50_32x4d", "se_resnext101_32x4d"]
                   + ["efficientnet-b%d" % i for i in range(8)])
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    x = torch.randn(4, 3, 256, 256)
    print("%-22s %10s %10s" % ("encoder", "min ms", "median ms"))
    for name in a.encoders:
        net = ref.Unet(encoder(name), (256, 128, 64, 32, 16)).eval()
        with torch.no_grad():
            net(x)
            ts = []
            for _ in range(a.runs):
                t0 = time.perf_counter()
                net(x)
                ts.append((time.perf_counter() - t0) * 1000)
        ts.sort()
        print("%-22s %10.0f %10.0f" % (name, ts[0], ts[len(ts) // 2]), flush=True)


if __name__ == "__main__":
    main()
