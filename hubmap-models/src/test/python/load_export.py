#!/usr/bin/python3
"""Loads a .safetensors written by `hubmap weights export` into the PyTorch reference model with
load_state_dict(strict=True) and writes its eval-mode logits.

/usr/bin/python3 load_export.py FILE.safetensors ARCH_ENCODER X.npy Y.npy   (ARCH_ENCODER as in ref_import.py)
The .safetensors is parsed by hand (no safetensors package): 8-byte little-endian header length, JSON, raw data.
"""
import json
import struct
import sys

import numpy as np
import torch

import ref_import

DT = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    base = 8 + n
    sd = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        arr = np.frombuffer(data[base + b:base + e], dtype=DT[v["dtype"]]).reshape(v["shape"])
        sd[k] = torch.from_numpy(arr.copy())
    return sd, header.get("__metadata__", {})


def main():
    path, case, xin, yout = sys.argv[1:5]
    arch, enc = case.split("_", 1)
    model = ref_import.whole(arch, enc)
    sd, meta = read_safetensors(path)
    model.load_state_dict(sd, strict=True)
    model.eval()
    x = torch.from_numpy(np.load(xin))
    with torch.no_grad():
        y = model(x)[0]
    np.save(yout, y.numpy())
    print("loaded", len(sd), "tensors strictly; metadata", meta)


if __name__ == "__main__":
    main()
