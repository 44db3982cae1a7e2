#!/usr/bin/python3
"""PyTorch reference encoders for the hubmap-models encoder parity tests (EncoderParityTest).

Called through hubmap_models_ref.py (/usr/bin/python3 hubmap_models_ref.py CASE OUTDIR) with torch 1.13 and
torchvision 0.14; nothing is downloaded, weights are random with a fixed seed. Writes OUTDIR/CASE.weights.npz
(the encoder's state_dict, float32, PyTorch names) and OUTDIR/CASE.ref.npz (input "x" NCHW, features
"y0".."y4" NCHW at strides 2..32).

Cases:
  se_resnext50_32x4d   SENet below, written after Cadene's pretrainedmodels.senet (as used by smp); features:
                       layer0.relu1 (before the ceil-mode pool), layer1..layer4
  efficientnet-b0, -b1 torchvision.models.efficientnet_bN().features; features: outputs of features.1, .2, .3,
                       .5, .7 (ends of the last stage at strides 2..32); weights: the full state_dict
  encoder_param_counts ref.npz holds, per registry name, the number of free parameters of the encoder
                       (se_resnext50/101_32x4d without last_linear; efficientnet-b0..b7 features.0..7)
"""
import math
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torchvision

CASES = ("se_resnext50_32x4d", "efficientnet-b0", "efficientnet-b1", "encoder_param_counts")


class SEModule(nn.Module):
    def __init__(self, channels, reduction):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels // reduction, kernel_size=1, padding=0)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(channels // reduction, channels, kernel_size=1, padding=0)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        s = self.sigmoid(self.fc2(self.relu(self.fc1(self.avg_pool(x)))))
        return x * s


class SEResNeXtBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, groups, reduction, stride=1, downsample=None, base_width=4):
        super().__init__()
        width = math.floor(planes * (base_width / 64)) * groups
        self.conv1 = nn.Conv2d(inplanes, width, kernel_size=1, bias=False, stride=1)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, stride=stride, padding=1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * 4, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.se_module = SEModule(planes * 4, reduction=reduction)
        self.downsample = downsample

    def forward(self, x):
        residual = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            residual = self.downsample(x)
        return self.relu(self.se_module(out) + residual)


class SENet(nn.Module):
    """pretrainedmodels.senet.SENet with input_3x3=False, downsample_kernel_size=1, downsample_padding=0."""

    def __init__(self, layers, groups=32, reduction=16, inplanes=64, num_classes=1000):
        super().__init__()
        self.inplanes = inplanes
        self.layer0 = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(3, inplanes, kernel_size=7, stride=2, padding=3, bias=False)),
            ("bn1", nn.BatchNorm2d(inplanes)),
            ("relu1", nn.ReLU(inplace=True)),
            ("pool", nn.MaxPool2d(3, stride=2, ceil_mode=True)),
        ]))
        self.layer1 = self._make_layer(64, layers[0], groups, reduction)
        self.layer2 = self._make_layer(128, layers[1], groups, reduction, stride=2)
        self.layer3 = self._make_layer(256, layers[2], groups, reduction, stride=2)
        self.layer4 = self._make_layer(512, layers[3], groups, reduction, stride=2)
        self.avg_pool = nn.AvgPool2d(7, stride=1)
        self.last_linear = nn.Linear(512 * 4, num_classes)

    def _make_layer(self, planes, blocks, groups, reduction, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * 4:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * 4, kernel_size=1, stride=stride, padding=0, bias=False),
                nn.BatchNorm2d(planes * 4))
        layers = [SEResNeXtBottleneck(self.inplanes, planes, groups, reduction, stride, downsample)]
        self.inplanes = planes * 4
        for _ in range(1, blocks):
            layers.append(SEResNeXtBottleneck(self.inplanes, planes, groups, reduction))
        return nn.Sequential(*layers)

    def features(self, x):
        """smp's SENetEncoder stages: layer0 before the pool, then layer1..layer4."""
        f = []
        x = self.layer0.relu1(self.layer0.bn1(self.layer0.conv1(x)))
        f.append(x)
        x = self.layer0.pool(x)
        for i in range(1, 5):
            x = getattr(self, "layer%d" % i)(x)
            f.append(x)
        return f


def se_resnext50_32x4d():
    return SENet([3, 4, 6, 3])


def se_resnext101_32x4d():
    return SENet([3, 4, 23, 3])


def efficientnet(n):
    return getattr(torchvision.models, "efficientnet_b%d" % n)()


def efficientnet_features(model, x):
    f = []
    for i in range(8):
        x = model.features[i](x)
        if i in (1, 2, 3, 5, 7):
            f.append(x)
    return f


def randomize(model, gen):
    """Random BN statistics/affine and conv biases, so every tensor of the mapping matters."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = 0.5 + torch.rand(c, generator=gen)
            m.bias.data = 0.2 * torch.randn(c, generator=gen)
            m.running_mean.data = 0.2 * torch.randn(c, generator=gen)
            m.running_var.data = 0.5 + torch.rand(c, generator=gen)
        elif isinstance(m, nn.Conv2d) and m.bias is not None:
            m.bias.data = 0.2 * torch.randn(m.out_channels, generator=gen)


def free_params(module):
    return sum(p.numel() for p in module.parameters())


def param_counts():
    counts = {}
    for name, ctor in (("se_resnext50_32x4d", se_resnext50_32x4d), ("se_resnext101_32x4d", se_resnext101_32x4d)):
        m = ctor()
        counts[name] = free_params(m) - free_params(m.last_linear)
    for n in range(8):
        m = efficientnet(n)
        counts["efficientnet-b%d" % n] = free_params(m.features) - free_params(m.features[8])
    return counts


def run(case, out):
    if case == "encoder_param_counts":
        counts = param_counts()
        np.savez(out + "/" + case + ".weights.npz", none=np.zeros(1, np.float32))
        np.savez(out + "/" + case + ".ref.npz", **{k: np.array([v], np.int64) for k, v in counts.items()})
        print(case, counts)
        return
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(99)
    if case == "se_resnext50_32x4d":
        model, feats = se_resnext50_32x4d(), lambda m, x: m.features(x)
    elif case.startswith("efficientnet-b"):
        model, feats = efficientnet(int(case[-1])), efficientnet_features
    else:
        raise SystemExit("unknown case " + case)
    randomize(model, gen)
    model.eval()
    x = torch.randn(2, 3, 64, 64, generator=gen)
    with torch.no_grad():
        ys = feats(model, x)
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    np.savez(out + "/" + case + ".weights.npz", **sd)
    ref = {"x": x.numpy().astype(np.float32)}
    for i, y in enumerate(ys):
        ref["y%d" % i] = y.numpy().astype(np.float32)
    np.savez(out + "/" + case + ".ref.npz", **ref)
    print(case, "outputs", [tuple(y.shape) for y in ys])
