#!/usr/bin/python3
"""Whole-model and encoder weight files for the import tests (WeightImportTest, the CLI's WeightsCommandTest).

/usr/bin/python3 ref_import.py OUTDIR [CASE[:zip|legacy|safetensors|all]...] with Debian's torch 1.13 + torchvision 0.14 (nothing downloaded;
random weights with a fixed seed, batch-norm statistics randomised). For every case writes the state_dict as
OUTDIR/CASE.pth (torch.save zip), OUTDIR/CASE.legacy.pth (torch < 1.6 format) and OUTDIR/CASE.safetensors (by hand),
plus OUTDIR/CASE.x.npy (input, NCHW float32) and OUTDIR/CASE.y.npy (the model's eval-mode output: logits for whole
models, the stride-32 feature for encoders), and OUTDIR/CASE.features.npz (encoders: y0..y4 at strides 2..32).

Whole models (smp layouts: encoder.*, decoder.*, segmentation_head.*), ARCH_ENCODER:
  unet|fpn|linknet _ resnet34|resnext50_32x4d|se_resnext50_32x4d|tv-efficientnet-b0
  (U-Net: smp.Unet with decoder channels 32,16,16,8,8; FPN: smp.FPN (GroupNorm(32), bilinear: our transcription in
  ref_decoders.py) with 32 pyramid / 32 segmentation channels; Linknet: smp.Linknet with prefinal 16;
  se_resnext50_32x4d is Cadene's layout as smp uses it; tv-efficientnet-b0 is torchvision's layout)
Encoders alone:
  tv_resnet34        torchvision resnet34 (with fc)
  tv_resnext50_32x4d torchvision resnext50_32x4d (with fc), the layout of timm's swsl/fb_swsl_ig1b ResNeXt weights
  cadene_se_resnext50_32x4d  Cadene pretrainedmodels se_resnext50_32x4d (with last_linear)
  timm_seresnext50_32x4d     timm's seresnext50_32x4d: Cadene's network with timm's names (conv1, bn1, se.fc1,
                             fc) and timm's stem pool MaxPool2d(3, 2, padding=1)
  tv_efficientnet_b0 torchvision efficientnet_b0 (with classifier)
"""
import collections
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision

import ref_decoders
import ref_encoders
import ref_weights
from hubmap_models_ref import ResNetEncoder


class SENetEncoder(nn.Module):
    """smp's SENetEncoder: pretrainedmodels SENet minus avg_pool/last_linear."""

    def __init__(self, senet):
        super().__init__()
        for n in ["layer0", "layer1", "layer2", "layer3", "layer4"]:
            setattr(self, n, getattr(senet, n))
        self.channels = [64, 256, 512, 1024, 2048]

    def forward(self, x):
        return ref_encoders.SENet.features(self, x)


class EfficientNetEncoder(nn.Module):
    """torchvision efficientnet features 0..7 (this project's tv-efficientnet-bN encoder)."""

    def __init__(self, model):
        super().__init__()
        self.features = model.features[:8]
        self.channels = [16, 24, 40, 112, 320]

    def forward(self, x):
        return ref_encoders.efficientnet_features(self, x)


def encoder(name):
    if name == "resnet34":
        return ResNetEncoder(torchvision.models.resnet34(), [64, 64, 128, 256, 512])
    if name == "resnext50_32x4d":
        return ResNetEncoder(torchvision.models.resnext50_32x4d(), [64, 256, 512, 1024, 2048])
    if name == "se_resnext50_32x4d":
        return SENetEncoder(ref_encoders.se_resnext50_32x4d())
    if name == "tv-efficientnet-b0":
        return EfficientNetEncoder(torchvision.models.efficientnet_b0())
    raise SystemExit("unknown encoder " + name)


def whole(arch, enc):
    e = encoder(enc)
    if arch == "unet":
        return ref_decoders.Unet(e, (32, 16, 16, 8, 8))
    if arch == "fpn":
        return ref_decoders.FPN(e, 32, 32)
    if arch == "linknet":
        return ref_decoders.Linknet(e, 16)
    raise SystemExit("unknown arch " + arch)


class TimmSeResNeXt(nn.Module):
    """timm seresnext50_32x4d's forward_features stages, on Cadene's modules, stem pool with padding 1."""

    def __init__(self):
        super().__init__()
        self.net = ref_encoders.se_resnext50_32x4d()
        self.pool = nn.MaxPool2d(3, 2, padding=1)

    def features(self, x):
        n = self.net
        f = [n.layer0.relu1(n.layer0.bn1(n.layer0.conv1(x)))]
        x = self.pool(f[0])
        for i in range(1, 5):
            x = getattr(n, "layer%d" % i)(x)
            f.append(x)
        return f

    def timm_state_dict(self):
        out = collections.OrderedDict()
        for k, v in self.net.state_dict().items():
            if k.startswith("layer0."):
                k = k[len("layer0."):]
            k = k.replace(".se_module.", ".se.").replace("last_linear.", "fc.")
            out[k] = v
        return out


def encoder_case(case):
    """(state_dict, features function)"""
    if case == "tv_resnet34":
        m = torchvision.models.resnet34()
        return m, m.state_dict, lambda x: ResNetEncoder(m)(x)
    if case == "tv_resnext50_32x4d":
        m = torchvision.models.resnext50_32x4d()
        return m, m.state_dict, lambda x: ResNetEncoder(m)(x)
    if case == "cadene_se_resnext50_32x4d":
        m = ref_encoders.se_resnext50_32x4d()
        return m, m.state_dict, m.features
    if case == "timm_seresnext50_32x4d":
        m = TimmSeResNeXt()
        return m, m.timm_state_dict, m.features
    if case == "tv_efficientnet_b0":
        m = torchvision.models.efficientnet_b0()
        return m, m.state_dict, lambda x: ref_encoders.efficientnet_features(m, x)
    raise SystemExit("unknown case " + case)


ARCHS = ("unet", "fpn", "linknet")
ENCODERS = ("resnet34", "resnext50_32x4d", "se_resnext50_32x4d", "tv-efficientnet-b0")
ENCODER_CASES = ("tv_resnet34", "tv_resnext50_32x4d", "cadene_se_resnext50_32x4d", "timm_seresnext50_32x4d",
                 "tv_efficientnet_b0")


FORMATS = ("zip", "legacy", "safetensors")


def save_all(sd, out, case, fmts):
    sd = collections.OrderedDict((k, v.detach().clone()) for k, v in sd.items())
    if "zip" in fmts:
        torch.save(sd, out + "/" + case + ".pth")
    if "legacy" in fmts:
        torch.save(sd, out + "/" + case + ".legacy.pth", _use_new_zipfile_serialization=False)
    if "safetensors" in fmts:
        ref_weights.write_safetensors(sd, out + "/" + case + ".safetensors")


def write(spec, out):
    case, _, fmt = spec.partition(":")
    fmts = FORMATS if fmt in ("", "all") else (fmt,)
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(99)
    x = torch.randn(1, 3, 64, 64, generator=gen)
    if "_" in case and case.split("_", 1)[0] in ARCHS:
        arch, enc = case.split("_", 1)
        model = whole(arch, enc)
        ref_encoders.randomize(model, gen)
        ref_decoders.randomize_biases(model, gen)
        model.eval()
        with torch.no_grad():
            y = model(x)[0]
        save_all(model.state_dict(), out, case, fmts)
        feats = []
    else:
        model, sd_fn, feat_fn = encoder_case(case)
        ref_encoders.randomize(model, gen)
        model.eval()
        with torch.no_grad():
            feats = feat_fn(x)
        y = feats[-1]
        save_all(sd_fn(), out, case, fmts)
        np.savez(out + "/" + case + ".features.npz", **{"y%d" % i: f.numpy() for i, f in enumerate(feats)})
    np.save(out + "/" + case + ".x.npy", x.numpy())
    np.save(out + "/" + case + ".y.npy", np.ascontiguousarray(y.numpy()))
    print(case, tuple(y.shape), flush=True)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cases = sys.argv[2:] or [a + "_" + e for a in ARCHS for e in ENCODERS] + list(ENCODER_CASES)
    for c in cases:
        write(c, out)


if __name__ == "__main__":
    main()
