#!/usr/bin/python3
"""PyTorch reference outputs for the hubmap-models parity tests.

Run with Debian's python3 (torch 1.13, torchvision 0.14): /usr/bin/python3 hubmap_models_ref.py CASE OUTDIR
Nothing is downloaded: weights are random with a fixed seed. Writes OUTDIR/CASE.weights.npz (the
state_dict, float32, PyTorch names) and OUTDIR/CASE.ref.npz (input "x" NCHW and outputs "y0".."yN" NCHW).

Cases:
  resnext50_32x4d   torchvision resnext50_32x4d; outputs: ReLU after bn1, layer1..layer4 (strides 2..32)
  unet_resnet34     the U-Net below (smp.Unet layout and names) with a torchvision resnet34 encoder
  unet_tiny         the same U-Net with the tiny plain encoder of hubmap-models
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

import ref_encoders  # encoder cases (se_resnext, efficientnet): see ref_encoders.py


def conv_bn_relu(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResNetEncoder(nn.Module):
    """smp's ResNetEncoder: torchvision ResNet minus avgpool/fc; features at strides 2..32."""

    def __init__(self, resnet, channels=None):
        super().__init__()
        for name in ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"]:
            setattr(self, name, getattr(resnet, name))
        self.channels = channels

    def forward(self, x):
        f = []
        x = self.relu(self.bn1(self.conv1(x)))
        f.append(x)
        x = self.maxpool(x)
        for i in range(1, 5):
            x = getattr(self, "layer%d" % i)(x)
            f.append(x)
        return f


class TinyEncoder(nn.Module):
    """hubmap-models TinyEncoder: 5 stages of (3x3 s2 conv-BN-ReLU, 3x3 conv-BN-ReLU)."""

    def __init__(self, cin=3, channels=(8, 16, 24, 32, 48)):
        super().__init__()
        stages, c = [], cin
        for ch in channels:
            stages.append(nn.Sequential(conv_bn_relu(c, ch, 2), conv_bn_relu(ch, ch)))
            c = ch
        self.stages = nn.ModuleList(stages)
        self.channels = list(channels)

    def forward(self, x):
        f = []
        for s in self.stages:
            x = s(x)
            f.append(x)
        return f


class DecoderBlock(nn.Module):
    def __init__(self, cin, skip, cout):
        super().__init__()
        self.conv1 = conv_bn_relu(cin + skip, cout)
        self.conv2 = conv_bn_relu(cout, cout)

    def forward(self, x, skip=None):
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.conv2(self.conv1(x))


class UnetDecoder(nn.Module):
    def __init__(self, enc_channels, dec_channels):
        super().__init__()
        rev = enc_channels[::-1]
        ins = [rev[0]] + list(dec_channels[:-1])
        skips = list(rev[1:]) + [0]
        self.blocks = nn.ModuleList(DecoderBlock(i, s, o) for i, s, o in zip(ins, skips, dec_channels))

    def forward(self, feats):
        feats = feats[::-1]
        x, skips = feats[0], feats[1:]
        for i, b in enumerate(self.blocks):
            x = b(x, skips[i] if i < len(skips) else None)
        return x


class Unet(nn.Module):
    """smp.Unet (no attention, no center) with names encoder.*, decoder.blocks.*, segmentation_head.0."""

    def __init__(self, encoder, dec_channels, classes=1):
        super().__init__()
        self.encoder = encoder
        self.decoder = UnetDecoder(encoder.channels, dec_channels)
        self.segmentation_head = nn.Sequential(nn.Conv2d(dec_channels[-1], classes, 3, padding=1))

    def forward(self, x):
        return self.segmentation_head(self.decoder(self.encoder(x)))


def randomize_bn(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = 0.5 + torch.rand(c, generator=gen)
            m.bias.data = 0.2 * torch.randn(c, generator=gen)
            m.running_mean.data = 0.2 * torch.randn(c, generator=gen)
            m.running_var.data = 0.5 + torch.rand(c, generator=gen)


def build(case):
    if case == "resnext50_32x4d":
        return torchvision.models.resnext50_32x4d(), (1, 3, 64, 64)
    if case == "unet_resnet34":
        enc = ResNetEncoder(torchvision.models.resnet34(), [64, 64, 128, 256, 512])
        return Unet(enc, (32, 16, 16, 8, 8)), (1, 3, 64, 64)
    if case == "unet_tiny":
        return Unet(TinyEncoder(), (32, 24, 16, 8, 8)), (2, 3, 64, 64)
    raise SystemExit("unknown case " + case)


def main():
    case, out = sys.argv[1], sys.argv[2]
    if case in ref_encoders.CASES:
        return ref_encoders.run(case, out)
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(99)
    model, shape = build(case)
    randomize_bn(model, gen)
    model.eval()
    x = torch.randn(*shape, generator=gen)
    with torch.no_grad():
        if case == "resnext50_32x4d":
            ys = ResNetEncoder(model)(x)
        else:
            ys = [model(x)]
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    np.savez(out + "/" + case + ".weights.npz", **sd)
    ref = {"x": x.numpy().astype(np.float32)}
    for i, y in enumerate(ys):
        ref["y%d" % i] = y.numpy().astype(np.float32)
    np.savez(out + "/" + case + ".ref.npz", **ref)
    print(case, "params", sum(p.numel() for p in model.parameters()), "outputs", [tuple(y.shape) for y in ys])


if __name__ == "__main__":
    main()
