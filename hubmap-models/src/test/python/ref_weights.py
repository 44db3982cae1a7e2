#!/usr/bin/python3
"""Weight files for the hubmap-models weight-reader tests, written by Debian's torch 1.13 (nothing downloaded).

/usr/bin/python3 ref_weights.py OUTDIR writes:
  formats.expected.npz        every tensor of the test state_dict as float32 (numpy's conversion), the reference
  formats.zip.pth             torch.save (zip format)
  formats.legacy.pth          torch.save(..., _use_new_zipfile_serialization=False) (the torch < 1.6 format)
  formats.safetensors         written by hand: 8-byte little-endian header length, JSON header, raw bytes
  formats.checkpoint.pth      {"epoch": 3, "state_dict": sd, "optimizer": {...}} (a training checkpoint)
  formats.checkpoint.legacy.pth  the same, legacy format
  hostile.*                   files each reader must refuse with a clear message
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import torch


def state_dict():
    g = torch.Generator().manual_seed(7)
    sd = collections.OrderedDict()
    sd["conv.weight"] = torch.randn(4, 3, 3, 3, generator=g)
    sd["bn.running_var"] = torch.rand(4, generator=g) + 0.5
    sd["bn.num_batches_tracked"] = torch.tensor(123456789012)
    big = torch.randn(10, generator=g)
    sd["view.offset"] = big[3:7]  # a view with a storage offset, sharing the storage of "view.base"
    sd["view.base"] = big
    sd["view.transposed"] = torch.randn(3, 5, generator=g).t()  # non-contiguous strides
    sd["half.weight"] = torch.randn(2, 3, generator=g).half()
    sd["bf16.weight"] = torch.randn(2, 3, generator=g).bfloat16()
    sd["double.weight"] = torch.randn(3, generator=g).double()
    sd["fc.empty"] = torch.zeros(0, 3)
    return sd


SAFE_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
               torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8"}


def write_safetensors(sd, path, header_override=None, pad=True):
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for k, v in sd.items():
        v = v.contiguous()
        if v.dtype == torch.bfloat16:
            raw = v.view(torch.int16).numpy().tobytes()
        else:
            raw = v.numpy().tobytes()
        header[k] = {"dtype": SAFE_DTYPES[v.dtype], "shape": list(v.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if header_override:
        header.update(header_override)
    h = json.dumps(header).encode()
    if pad:
        h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/hubmap-pwned",))


class FakeStorage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class FakeTensor:
    """Pickles as torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel)
        return None


def write_zip(path, obj, storages, extra=()):
    buf = io.BytesIO()
    TorchPickler(buf, protocol=2).dump(obj)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        for key, data in storages.items():
            z.writestr("archive/data/" + key, data)
        z.writestr("archive/version", "3\n")
        for name, data in extra:
            z.writestr(zipfile.ZipInfo(name), data)


def hostile(out):
    # a pickle calling os.system, in both torch formats
    write_zip(out + "/hostile.system.zip.pth", collections.OrderedDict(x=Evil()), {})
    with open(out + "/hostile.system.legacy.pth", "wb") as f:
        for v in (0x1950a86a20f9469cfc6c, 1001, {"protocol_version": 1001, "little_endian": True}):
            pickle.dump(v, f, protocol=2)
        pickle.dump(collections.OrderedDict(x=Evil()), f, protocol=2)
    # a tensor of 6 floats over a storage of 2
    write_zip(out + "/hostile.short-storage.pth",
              collections.OrderedDict(w=FakeTensor(FakeStorage("0", 2), 0, (6,), (1,))),
              {"0": np.zeros(2, np.float32).tobytes()})
    # a storage of 6 floats whose zip entry holds 2
    write_zip(out + "/hostile.short-entry.pth",
              collections.OrderedDict(w=FakeTensor(FakeStorage("0", 6), 0, (6,), (1,))),
              {"0": np.zeros(2, np.float32).tobytes()})
    # a zip entry ../x
    write_zip(out + "/hostile.dotdot.pth",
              collections.OrderedDict(w=FakeTensor(FakeStorage("0", 2), 0, (2,), (1,))),
              {"0": np.zeros(2, np.float32).tobytes()}, extra=[("../x", b"escape")])
    # a legacy file whose storage claims 2^40 elements
    with open(out + "/hostile.huge-storage.legacy.pth", "wb") as f:
        for v in (0x1950a86a20f9469cfc6c, 1001, {"protocol_version": 1001, "little_endian": True}):
            pickle.dump(v, f, protocol=2)

        class LegacyPickler(pickle.Pickler):
            def persistent_id(self, obj):
                if isinstance(obj, FakeStorage):
                    return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel, None)
                return None
        LegacyPickler(f, protocol=2).dump(collections.OrderedDict(w=FakeTensor(FakeStorage("0", 4), 0, (4,), (1,))))
        pickle.dump(["0"], f, protocol=2)
        f.write(struct.pack("<q", 1 << 40))
        f.write(b"\0" * 16)
    # .safetensors whose header claims 2^40 bytes
    with open(out + "/hostile.huge-header.safetensors", "wb") as f:
        f.write(struct.pack("<Q", 1 << 40))
        f.write(b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}' + b"\0" * 8)
    # .safetensors whose tensor claims 2^40 elements over 8 bytes
    write_safetensors(collections.OrderedDict(w=torch.zeros(2)), out + "/hostile.huge-tensor.safetensors",
                      header_override={"w": {"dtype": "F32", "shape": [1 << 20, 1 << 20], "data_offsets": [0, 8]}})
    # .safetensors whose offsets leave the data
    write_safetensors(collections.OrderedDict(w=torch.zeros(2)), out + "/hostile.offsets.safetensors",
                      header_override={"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    sd = state_dict()
    np.savez(out + "/formats.expected.npz", **{k: np.ascontiguousarray(v.float().numpy()) for k, v in sd.items()})
    torch.save(sd, out + "/formats.zip.pth")
    torch.save(sd, out + "/formats.legacy.pth", _use_new_zipfile_serialization=False)
    safe = collections.OrderedDict((k, v) for k, v in sd.items())
    write_safetensors(safe, out + "/formats.safetensors")
    ckpt = {"epoch": 3, "state_dict": sd, "optimizer": {"state": {0: {"step": 4, "exp_avg": torch.ones(3)}},
                                                         "param_groups": [{"lr": 0.1, "params": [0]}]}}
    torch.save(ckpt, out + "/formats.checkpoint.pth")
    torch.save(ckpt, out + "/formats.checkpoint.legacy.pth", _use_new_zipfile_serialization=False)
    # torch itself must read back what we wrote by hand (round trip of the hand-written safetensors is in Java)
    hostile(out)
    print("wrote", sorted(os.listdir(out)))


if __name__ == "__main__":
    main()
