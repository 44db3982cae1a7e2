#!/usr/bin/python3
"""smp's efficientnet-bN encoders and whole smp models on them, for SmpEfficientNetTest (torch 1.13, nothing downloaded).

Our transcription of lukemelas/EfficientNet-PyTorch efficientnet_pytorch/model.py and utils.py at commit 7e8b0d3
(MBConvBlock, EfficientNet, Conv2dStaticSamePadding, round_filters, round_repeats, efficientnet_params) and of
qubvel-org/segmentation_models.pytorch segmentation_models_pytorch/encoders/efficientnet.py at bc597e9a
(EfficientNetEncoder: stage_idxs, out_channels, `del self._fc` only, so _conv_head and _bn1 stay in the state_dict);
and of smp's encoders/timm_efficientnet.py at 02b58cb with timm's efficientnet_blocks (DepthwiseSeparableConv,
InvertedResidual, SqueezeExcite) for timm-efficientnet-bN.
Eval mode only (drop connect is the identity there; swish = x * sigmoid(x)).

/usr/bin/python3 ref_smp.py OUTDIR: writes, like ref_import.py, CASE.pth / CASE.legacy.pth / CASE.safetensors (the
format in CASES), CASE.x.npy, CASE.y.npy and, for encoders, CASE.features.npz (y0..y4 at strides 2..32).
"""
import collections
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import ref_decoders
import ref_encoders
import ref_import

PARAMS = {  # efficientnet_params: width, depth, resolution
    0: (1.0, 1.0, 224), 1: (1.0, 1.1, 240), 2: (1.1, 1.2, 260), 3: (1.2, 1.4, 300),
    4: (1.4, 1.8, 380), 5: (1.6, 2.2, 456), 6: (1.8, 2.6, 528), 7: (2.0, 3.1, 600)}
STAGE_IDXS = {0: (3, 5, 9, 16), 1: (5, 8, 16, 23), 2: (5, 8, 16, 23), 3: (5, 8, 18, 26)}
OUT_CHANNELS = {0: (32, 24, 40, 112, 320), 1: (32, 24, 40, 112, 320), 2: (32, 24, 48, 120, 352),
                3: (40, 32, 48, 136, 384)}
BLOCKS = [  # r, k, s, e, i, o (se 0.25)
    (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]


def round_filters(f, width):
    f *= width
    new = max(8, int(f + 8 / 2) // 8 * 8)
    if new < 0.9 * f:
        new += 8
    return int(new)


class Conv2dStaticSamePadding(nn.Conv2d):
    def __init__(self, cin, cout, k, stride=1, image_size=None, **kw):
        super().__init__(cin, cout, k, stride, **kw)
        self.stride = self.stride if len(self.stride) == 2 else [self.stride[0]] * 2
        ih = iw = image_size
        kh, kw_ = self.weight.size()[-2:]
        sh, sw = self.stride
        oh, ow = math.ceil(ih / sh), math.ceil(iw / sw)
        pad_h = max((oh - 1) * sh + (kh - 1) * self.dilation[0] + 1 - ih, 0)
        pad_w = max((ow - 1) * sw + (kw_ - 1) * self.dilation[1] + 1 - iw, 0)
        if pad_h > 0 or pad_w > 0:
            self.static_padding = nn.ZeroPad2d((pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))
        else:
            self.static_padding = nn.Identity()

    def forward(self, x):
        return F.conv2d(self.static_padding(x), self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


def swish(x):
    return x * torch.sigmoid(x)


class MBConvBlock(nn.Module):
    def __init__(self, k, s, e, inp, final_oup, image_size):
        super().__init__()
        self.e, self.s, self.inp, self.final_oup = e, s, inp, final_oup
        oup = inp * e
        if e != 1:
            self._expand_conv = Conv2dStaticSamePadding(inp, oup, 1, bias=False, image_size=image_size)
            self._bn0 = nn.BatchNorm2d(oup, momentum=0.01, eps=1e-3)
        self._depthwise_conv = Conv2dStaticSamePadding(oup, oup, k, stride=s, groups=oup, bias=False,
                                                       image_size=image_size)
        self._bn1 = nn.BatchNorm2d(oup, momentum=0.01, eps=1e-3)
        image_size = math.ceil(image_size / s)
        sq = max(1, int(inp * 0.25))
        self._se_reduce = Conv2dStaticSamePadding(oup, sq, 1, image_size=1)
        self._se_expand = Conv2dStaticSamePadding(sq, oup, 1, image_size=1)
        self._project_conv = Conv2dStaticSamePadding(oup, final_oup, 1, bias=False, image_size=image_size)
        self._bn2 = nn.BatchNorm2d(final_oup, momentum=0.01, eps=1e-3)

    def forward(self, inputs):
        x = inputs
        if self.e != 1:
            x = swish(self._bn0(self._expand_conv(inputs)))
        x = swish(self._bn1(self._depthwise_conv(x)))
        q = self._se_expand(swish(self._se_reduce(F.adaptive_avg_pool2d(x, 1))))
        x = torch.sigmoid(q) * x
        x = self._bn2(self._project_conv(x))
        if self.s == 1 and self.inp == self.final_oup:
            x = x + inputs
        return x


class SmpEfficientNetEncoder(nn.Module):
    """lukemelas EfficientNet as smp's EfficientNetEncoder uses it (forward: the features at strides 2..32)."""

    def __init__(self, n):
        super().__init__()
        width, depth, size = PARAMS[n]
        self.stage_idxs = STAGE_IDXS[n]
        self.channels = list(OUT_CHANNELS[n])
        stem = round_filters(32, width)
        self._conv_stem = Conv2dStaticSamePadding(3, stem, 3, stride=2, bias=False, image_size=size)
        self._bn0 = nn.BatchNorm2d(stem, momentum=0.01, eps=1e-3)
        size = math.ceil(size / 2)
        self._blocks = nn.ModuleList()
        for r, k, s, e, i, o in BLOCKS:
            i, o, r = round_filters(i, width), round_filters(o, width), int(math.ceil(depth * r))
            self._blocks.append(MBConvBlock(k, s, e, i, o, size))
            size = math.ceil(size / s)
            for _ in range(r - 1):
                self._blocks.append(MBConvBlock(k, 1, e, o, o, size))
        head = round_filters(1280, width)
        self._conv_head = Conv2dStaticSamePadding(o, head, 1, bias=False, image_size=size)
        self._bn1 = nn.BatchNorm2d(head, momentum=0.01, eps=1e-3)

    def forward(self, x):
        a, b, c, _ = self.stage_idxs
        x = swish(self._bn0(self._conv_stem(x)))
        feats = [x]
        for lo, hi in ((0, a), (a, b), (b, c), (c, len(self._blocks))):
            for m in self._blocks[lo:hi]:
                x = m(x)
            feats.append(x)
        return feats


class TimmSE(nn.Module):
    """timm SqueezeExcite (efficientnet_blocks.py): mean, conv_reduce, act, conv_expand, sigmoid gate."""

    def __init__(self, chs, rd):
        super().__init__()
        self.conv_reduce = nn.Conv2d(chs, rd, 1, bias=True)
        self.conv_expand = nn.Conv2d(rd, chs, 1, bias=True)

    def forward(self, x):
        s = self.conv_expand(swish(self.conv_reduce(x.mean((2, 3), keepdim=True))))
        return x * torch.sigmoid(s)


class TimmDS(nn.Module):
    """timm DepthwiseSeparableConv (bn1/bn2 are BatchNormAct2d: bn1 with Swish, bn2 without)."""

    def __init__(self, cin, cout, k, s):
        super().__init__()
        self.conv_dw = nn.Conv2d(cin, cin, k, s, k // 2, groups=cin, bias=False)
        self.bn1 = nn.BatchNorm2d(cin)
        self.se = TimmSE(cin, int(cin * 0.25))
        self.conv_pw = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.skip = s == 1 and cin == cout

    def forward(self, x):
        y = self.bn2(self.conv_pw(self.se(swish(self.bn1(self.conv_dw(x))))))
        return y + x if self.skip else y


class TimmIR(nn.Module):
    """timm InvertedResidual."""

    def __init__(self, cin, cout, k, s, e):
        super().__init__()
        mid = round_filters(cin * e, 1.0)
        self.conv_pw = nn.Conv2d(cin, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv_dw = nn.Conv2d(mid, mid, k, s, k // 2, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.se = TimmSE(mid, int(cin * 0.25))
        self.conv_pwl = nn.Conv2d(mid, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.skip = s == 1 and cin == cout

    def forward(self, x):
        y = swish(self.bn2(self.conv_dw(swish(self.bn1(self.conv_pw(x))))))
        y = self.bn3(self.conv_pwl(self.se(y)))
        return y + x if self.skip else y


class SmpTimmEfficientNetEncoder(nn.Module):
    """timm EfficientNet as smp's timm_efficientnet.EfficientNetEncoder builds it (get_efficientnet_kwargs, stem 32,
    Swish, default padding and BatchNorm; conv_head/bn2/classifier deleted; stage_idxs 2, 3, 5)."""

    def __init__(self, n):
        super().__init__()
        width, depth, _ = PARAMS[n]
        self.channels = list(OUT_CHANNELS[n])
        stem = round_filters(32, width)
        self.conv_stem = nn.Conv2d(3, stem, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        stages, cin = [], stem
        for idx, (r, k, s, e, _, o) in enumerate(BLOCKS):
            o, r = round_filters(o, width), int(math.ceil(depth * r))
            blocks = []
            for j in range(r):
                blocks.append(TimmDS(cin, o, k, s) if idx == 0 else TimmIR(cin, o, k, s if j == 0 else 1, e))
                cin = o
            stages.append(nn.Sequential(*blocks))
        self.blocks = nn.Sequential(*stages)

    def forward(self, x):
        x = swish(self.bn1(self.conv_stem(x)))
        feats = [x]
        for lo, hi in ((0, 2), (2, 3), (3, 5), (5, 7)):
            x = self.blocks[lo:hi](x)
            feats.append(x)
        return feats


# case: (kind, variant, format)
CASES = collections.OrderedDict([
    ("smp_efficientnet-b0", ("encoder", 0, "legacy")),
    ("smp_efficientnet-b2", ("encoder", 2, "safetensors")),
    ("unet_efficientnet-b0", ("unet", 0, "zip")),
    ("fpn_efficientnet-b0", ("fpn", 0, "legacy")),
    ("linknet_efficientnet-b0", ("linknet", 0, "safetensors")),
    ("smp_timm-efficientnet-b0", ("encoder", 0, "zip")),
    ("unet_timm-efficientnet-b2", ("unet", 2, "legacy")),
])


def write(case, out):
    kind, n, fmt = CASES[case]
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(99)
    x = torch.randn(1, 3, 64, 64, generator=gen)
    enc = SmpTimmEfficientNetEncoder(n) if "timm-" in case else SmpEfficientNetEncoder(n)
    model = enc if kind == "encoder" else {
        "unet": lambda: ref_decoders.Unet(enc, (32, 16, 16, 8, 8)),
        "fpn": lambda: ref_decoders.FPN(enc, 32, 32),
        "linknet": lambda: ref_decoders.Linknet(enc, 16)}[kind]()
    ref_encoders.randomize(model, gen)
    ref_decoders.randomize_biases(model, gen)
    model.eval()
    with torch.no_grad():
        ys = model(x)
    if kind == "encoder":
        np.savez(out + "/" + case + ".features.npz", **{"y%d" % i: f.numpy() for i, f in enumerate(ys)})
    ref_import.save_all(model.state_dict(), out, case, (fmt,))
    np.save(out + "/" + case + ".x.npy", x.numpy())
    np.save(out + "/" + case + ".y.npy", np.ascontiguousarray(ys[-1 if kind == "encoder" else 0].numpy()))
    print(case, fmt, flush=True)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for c in CASES:
        write(c, out)


if __name__ == "__main__":
    main()
