#!/usr/bin/python3
"""PyTorch counterpart of io.github.hubmapseg.benchmarks.models.ModelBenchmark.

/usr/bin/python3 hubmap-benchmarks/src/main/python/models_torch_bench.py [--iters 10] [--channels-last]
Same nets (hubmap-models/src/test/python/hubmap_models_ref.py: the smp-layout U-Net with the tiny encoder,
decoder 32,24,16,8,8, and with torchvision resnext50_32x4d, decoder 256,128,64,32,16), batch 4 x 3 x 256 x 256,
forward in eval mode under no_grad, training step = forward + BCEWithLogits + backward + Adam step.
Prints the mean and minimum milliseconds per call; --json FILE also writes them as JSON (used by
hubmap-benchmarks/run-model-bench.sh to print the DL4J/PyTorch table). --nets selects nets by name.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..",
                                "hubmap-models", "src", "test", "python"))
import hubmap_models_ref as ref  # noqa: E402


def nets():
    yield "tiny", ref.Unet(ref.TinyEncoder(), (32, 24, 16, 8, 8))
    enc = ref.ResNetEncoder(torchvision.models.resnext50_32x4d(), [64, 256, 512, 1024, 2048])
    yield "resnext50_32x4d", ref.Unet(enc, (256, 128, 64, 32, 16))  # built lazily: skipped nets cost nothing


def timeit(fn, iters, warmup=2):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return sum(ts) / len(ts), min(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--nets", default="tiny,resnext50_32x4d", help="comma-separated: tiny, resnext50_32x4d")
    ap.add_argument("--json", help="also write the results to this JSON file")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="intra-op threads (default: all cores,"
                    " like ND4J)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    print("torch", torch.__version__, "threads", torch.get_num_threads(), "channels_last", a.channels_last)
    wanted = a.nets.split(",")
    results = []
    for name, net in nets():
        if name not in wanted:
            continue
        net = net.to(memory_format=fmt)
        x = torch.rand(a.batch, 3, a.size, a.size).to(memory_format=fmt)
        y = (torch.rand(a.batch, 1, a.size, a.size) > 0.5).float()
        params = sum(p.numel() for p in net.parameters())
        net.eval()

        def fwd():
            with torch.no_grad():
                net(x)
        f_mean, f_min = timeit(fwd, a.iters, a.warmup)
        net.train()
        opt = torch.optim.Adam(net.parameters(), 1e-3)
        loss_fn = nn.BCEWithLogitsLoss()

        def step():
            opt.zero_grad()
            loss_fn(net(x), y).backward()
            opt.step()
        s_mean, s_min = timeit(step, a.iters, a.warmup)
        print("%-16s params %10d  forward %8.1f ms (min %8.1f)  train step %8.1f ms (min %8.1f)"
              % (name, params, f_mean, f_min, s_mean, s_min))
        results.append({"net": name, "params": params, "threads": torch.get_num_threads(),
                        "forward_mean_ms": f_mean, "forward_min_ms": f_min,
                        "step_mean_ms": s_mean, "step_min_ms": s_min})
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"torch": torch.__version__, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
