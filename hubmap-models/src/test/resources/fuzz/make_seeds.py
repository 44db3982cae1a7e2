# Seeds of the weights fuzz stage (hubmap-models WeightsFuzz): small torch.save files (zip and legacy) and
# .safetensors files, plus hostile variants. Run with /usr/bin/python3 (python3-torch 1.13) from this folder.
import json, struct, torch, collections, io, zipfile
torch.manual_seed(0)
sd = collections.OrderedDict()
sd["conv.weight"] = torch.randn(2, 3, 3, 3)
sd["conv.bias"] = torch.randn(2)
sd["bn.running_mean"] = torch.zeros(2)
sd["bn.num_batches_tracked"] = torch.tensor(7)
sd["half"] = torch.randn(4).half()
sd["view"] = torch.randn(4, 4)[1:3, ::2]  # a non-contiguous view of a shared storage
small = collections.OrderedDict([("w", torch.arange(6, dtype=torch.float32).reshape(2, 3))])
for name, obj in [("state_dict", sd), ("nested", {"epoch": 3, "state_dict": small}), ("small", small)]:
    torch.save(obj, f"pth-zip/{name}.pth")
    torch.save(obj, f"pth-legacy/{name}.pth", _use_new_zipfile_serialization=False)
# hostile: a storage entry truncated to 2 bytes inside the zip
with zipfile.ZipFile("pth-zip/small.pth") as z, zipfile.ZipFile("pth-zip/hostile-short-storage.pth", "w") as o:
    for i in z.infolist():
        data = z.read(i.filename)
        if "/data/" in i.filename:
            data = data[:2]
        o.writestr(i, data)

def safetensors(path, tensors, header_extra=None, header_len=None):
    header, blobs, off = {}, b"", 0
    for k, (dt, shape, raw) in tensors.items():
        header[k] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(raw)]}
        blobs += raw; off += len(raw)
    header["__metadata__"] = {"format": "pt"}
    if header_extra:
        header.update(header_extra)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h) if header_len is None else header_len) + h + blobs)

f32 = lambda *v: struct.pack(f"<{len(v)}f", *v)
safetensors("safetensors/small.safetensors", {"w": ("F32", [2, 3], f32(0, 1, 2, 3, 4, 5)),
                                              "b": ("F16", [2], struct.pack("<2e", 0.5, -2.0)),
                                              "n": ("I64", [], struct.pack("<q", 7))})
safetensors("safetensors/bf16.safetensors", {"x": ("BF16", [2, 2], bytes([0, 0x3f, 0x80, 0x3f, 0, 0x40, 0, 0xc0]))})
# hostile: a header length of 2^62, and a tensor whose shape claims 2^40 values in 24 bytes
safetensors("safetensors/hostile-header-length.safetensors", {"w": ("F32", [2], f32(1, 2))}, header_len=1 << 62)
safetensors("safetensors/hostile-huge-shape.safetensors", {"w": ("F32", [1 << 20, 1 << 20], f32(0, 1, 2, 3, 4, 5))})
