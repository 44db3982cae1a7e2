#!/usr/bin/python3
"""PyTorch counterpart of io.github.hubmapseg.benchmarks.models.ThreadSplitMeasure: CPU time per training step of
the thread that runs the step and of the other threads (torch's OpenMP workers), from /proc/self/task.

OMP_NUM_THREADS=2 /usr/bin/python3 hubmap-benchmarks/src/main/python/thread_split.py [tiny|resnext50_32x4d] [steps]
Same net and step as models_torch_bench.py (batch 4 x 3 x 256 x 256, BCEWithLogits, Adam).
"""
import os
import sys
import threading
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models_torch_bench as bench  # noqa: E402


def threads():
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            stat = open("/proc/self/task/%s/stat" % tid).read()
        except OSError:
            continue
        close = stat.rindex(")")
        f = stat[close + 2:].split(" ")
        out[int(tid)] = (stat[stat.index("(") + 1:close], int(f[11]) + int(f[12]))
    return out


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "tiny"
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    torch.manual_seed(1)
    net = next(n for k, n in bench.nets() if k == name)
    x = torch.rand(4, 3, 256, 256)
    y = (torch.rand(4, 1, 256, 256) > 0.5).float()
    net.train()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    loss_fn = nn.BCEWithLogitsLoss()

    def step():
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    for _ in range(2):
        step()
    net.eval()

    def fwd():
        with torch.no_grad():
            net(x)
    measure(name + " forward", steps, fwd)
    net.train()
    measure(name + " train step", steps, step)


def measure(what, steps, work):
    work()
    before = threads()
    t0 = time.perf_counter()
    for _ in range(steps):
        work()
    wall = (time.perf_counter() - t0) * 1000 / steps
    after = threads()
    me = threading.get_native_id()
    tick = 1000.0 / os.sysconf("SC_CLK_TCK")
    caller = others = 0.0
    rows = []
    for tid, (n, t) in sorted(after.items()):
        d = t - before.get(tid, (n, 0))[1]
        if d == 0:
            continue
        ms = d * tick / steps
        if tid == me:
            caller += ms
        else:
            others += ms
        rows.append("  tid %d %-16s %8.1f ms/call" % (tid, n, ms))
    print("torch %s %s, OMP_NUM_THREADS=%s, %d calls: wall %.1f ms/call; CPU per call: calling thread %.1f ms, "
          "other threads %.1f ms, total %.1f ms" % (torch.__version__, what, os.environ.get("OMP_NUM_THREADS"), steps,
                                                   wall, caller, others, caller + others))


if __name__ == "__main__":
    main()
