#!/usr/bin/python3
"""PyTorch references of the hubmap-models decoders and heads (U-Net options, FPN, Linknet).

Run with Debian's python3 (torch 1.13, torchvision 0.14): /usr/bin/python3 ref_decoders.py CASE OUTDIR
(writes CASE, then all the other cases too).
Nothing is downloaded: weights are random with a fixed seed. Writes OUTDIR/CASE.weights.npz (state_dict,
float32, PyTorch names) and OUTDIR/CASE.ref.npz (input "x" NCHW, outputs "y0".."yN" NCHW, in the Java graph's
output order: segmentation logits, deep-supervision logits (strides 16, 8, 4, 2), classification logit
[N, 1, 1, 1]).

Cases:
  unet_tiny_3rd     tiny encoder; U-Net with pixel shuffle, ASPP (rates 1, 2), hypercolumn with 8-channel
                    FPN convs, scSE, dropout, deep supervision, classification head
  unet_tiny_1st     tiny encoder; U-Net nearest, plain hypercolumn, scSE, deep supervision, classification head
  fpn_tiny          smp.FPN (our transcription of qubvel-org/segmentation_models.pytorch
                    segmentation_models_pytorch/decoders/fpn/decoder.py @ 59cc7de9: GroupNorm(32), bilinear
                    align_corners=True; head UpsamplingBilinear2d(4)), tiny encoder
  fpn_resnet34      the same with a torchvision resnet34 encoder
  linknet_tiny      smp.Linknet layout, tiny encoder
  linknet_resnet34  smp.Linknet layout, torchvision resnet34 encoder
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.segmentation.deeplabv3 import ASPP

from hubmap_models_ref import ResNetEncoder, TinyEncoder, conv_bn_relu, randomize_bn


def cbr(cin, cout, k):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class SCSEModule(nn.Module):
    """smp's SCSEModule (reduction 16)."""

    def __init__(self, c, reduction=16):
        super().__init__()
        self.cSE = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // reduction, 1), nn.ReLU(inplace=True),
                                 nn.Conv2d(c // reduction, c, 1), nn.Sigmoid())
        self.sSE = nn.Sequential(nn.Conv2d(c, 1, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.cSE(x) + x * self.sSE(x)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = SCSEModule(c)

    def forward(self, x):
        return self.attention(x)


class DecoderBlock(nn.Module):
    """smp's U-Net DecoderBlock with optional pixel shuffle (conv 1x1 C->4C, ReLU, PixelShuffle(2)) and scSE."""

    def __init__(self, cin, skip, cout, shuffle, scse):
        super().__init__()
        if shuffle:
            self.shuffle = nn.Sequential(nn.Conv2d(cin, 4 * cin, 1), nn.ReLU(), nn.PixelShuffle(2))
        self.has_shuffle = shuffle
        self.attention1 = Attention(cin + skip) if scse and skip > 0 else nn.Identity()
        self.conv1 = conv_bn_relu(cin + skip, cout)
        self.conv2 = conv_bn_relu(cout, cout)
        self.attention2 = Attention(cout) if scse else nn.Identity()

    def forward(self, x, skip=None):
        x = self.shuffle(x) if self.has_shuffle else F.interpolate(x, scale_factor=2, mode="nearest")
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
            x = self.attention1(x)
        return self.attention2(self.conv2(self.conv1(x)))


class UnetDecoder(nn.Module):
    def __init__(self, enc_channels, dec, shuffle, scse, aspp, hc, dropout):
        super().__init__()
        rev = enc_channels[::-1]
        first = rev[0]
        if aspp is not None:
            self.aspp = ASPP(rev[0], aspp[1], aspp[0])
            first = aspp[0]
        self.has_aspp = aspp is not None
        ins = [first] + list(dec[:-1])
        skips = list(rev[1:]) + [0]
        self.blocks = nn.ModuleList(DecoderBlock(i, s, o, shuffle, scse) for i, s, o in zip(ins, skips, dec))
        self.hc = hc
        if hc is not None and hc > 0:
            self.hypercolumn = nn.ModuleList(
                nn.Sequential(nn.Conv2d(c, 2 * hc, 3, padding=1), nn.ReLU(inplace=True), nn.BatchNorm2d(2 * hc),
                              nn.Conv2d(2 * hc, hc, 3, padding=1)) for c in dec[:-1])
        self.dropout = nn.Dropout(dropout)

    def forward(self, feats):
        feats = feats[::-1]
        x, skips = feats[0], feats[1:]
        if self.has_aspp:
            x = self.aspp(x)
        outs = []
        for i, b in enumerate(self.blocks):
            x = b(x, skips[i] if i < len(skips) else None)
            outs.append(x)
        if self.hc is not None:
            n = len(outs)
            cols = []
            for i in range(n - 1):
                y = self.hypercolumn[i](outs[i]) if self.hc > 0 else outs[i]
                cols.append(F.interpolate(y, scale_factor=2 ** (n - 1 - i), mode="nearest"))
            x = torch.cat(cols + [x], dim=1)
        return self.dropout(x), outs


class Unet(nn.Module):
    def __init__(self, encoder, dec, shuffle=False, scse=False, aspp=None, hc=None, dropout=0.0, ds=False,
                 cls=False, classes=1):
        super().__init__()
        self.encoder = encoder
        self.decoder = UnetDecoder(encoder.channels, dec, shuffle, scse, aspp, hc, dropout)
        head_in = dec[-1] if hc is None else dec[-1] + (4 * hc if hc > 0 else sum(dec[:-1]))
        self.segmentation_head = nn.Sequential(nn.Conv2d(head_in, classes, 3, padding=1))
        self.ds = ds
        if ds:
            self.deep_supervision = nn.ModuleList(nn.Conv2d(c, classes, 1) for c in dec[:-1])
        self.cls = cls
        if cls:
            self.classification_head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Identity(),
                                                     nn.Linear(encoder.channels[-1], 1))

    def forward(self, x):
        f = self.encoder(x)
        y, outs = self.decoder(f)
        ys = [self.segmentation_head(y)]
        if self.ds:
            ys += [h(o) for h, o in zip(self.deep_supervision, outs)]
        if self.cls:
            ys.append(self.classification_head(f[-1]).reshape(-1, 1, 1, 1))
        return ys


class FPNBlock(nn.Module):
    def __init__(self, pyramid, skip):
        super().__init__()
        self.skip_conv = nn.Conv2d(skip, pyramid, kernel_size=1)

    def forward(self, x, skip):
        return F.interpolate(x, scale_factor=2, mode="nearest") + self.skip_conv(skip)


class Conv3x3NormReLU(nn.Module):
    """smp's Conv3x3GNReLU: conv, GroupNorm(32), ReLU, bilinear x2 (align_corners=True) (see FpnDecoder.java)."""

    def __init__(self, cin, cout, upsample):
        super().__init__()
        self.upsample = upsample
        self.block = nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.GroupNorm(32, cout),
                                   nn.ReLU(inplace=True))

    def forward(self, x):
        x = self.block(x)
        return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=True) if self.upsample else x


class SegmentationBlock(nn.Module):
    def __init__(self, cin, cout, n_up):
        super().__init__()
        blocks = [Conv3x3NormReLU(cin, cout, upsample=bool(n_up))]
        for _ in range(1, n_up):
            blocks.append(Conv3x3NormReLU(cout, cout, upsample=True))
        self.block = nn.Sequential(*blocks)

    def forward(self, x):
        return self.block(x)


class FPNDecoder(nn.Module):
    def __init__(self, enc_channels, pyramid=256, seg=128, dropout=0.2):
        super().__init__()
        c = enc_channels[::-1]
        self.p5 = nn.Conv2d(c[0], pyramid, kernel_size=1)
        self.p4 = FPNBlock(pyramid, c[1])
        self.p3 = FPNBlock(pyramid, c[2])
        self.p2 = FPNBlock(pyramid, c[3])
        self.seg_blocks = nn.ModuleList(SegmentationBlock(pyramid, seg, n) for n in [3, 2, 1, 0])
        self.dropout = nn.Dropout2d(p=dropout)

    def forward(self, feats):
        c2, c3, c4, c5 = feats[-4:]
        p5 = self.p5(c5)
        p4 = self.p4(p5, c4)
        p3 = self.p3(p4, c3)
        p2 = self.p2(p3, c2)
        x = sum(b(p) for b, p in zip(self.seg_blocks, [p5, p4, p3, p2]))
        return self.dropout(x)


class FPN(nn.Module):
    def __init__(self, encoder, pyramid, seg, classes=1):
        super().__init__()
        self.encoder = encoder
        self.decoder = FPNDecoder(encoder.channels, pyramid, seg)
        self.segmentation_head = nn.Sequential(nn.Conv2d(seg, classes, 1), nn.UpsamplingBilinear2d(scale_factor=4))

    def forward(self, x):
        return [self.segmentation_head(self.decoder(self.encoder(x)))]


def conv2d_relu(cin, cout):
    """smp's Conv2dReLU(kernel 1, use_batchnorm=True): conv (no bias), BN, ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class LinknetBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.block = nn.Sequential(
            conv2d_relu(cin, cin // 4),
            nn.Sequential(nn.ConvTranspose2d(cin // 4, cin // 4, kernel_size=4, stride=2, padding=1),
                          nn.BatchNorm2d(cin // 4), nn.ReLU(inplace=True)),
            conv2d_relu(cin // 4, cout))

    def forward(self, x, skip=None):
        x = self.block(x)
        return x + skip if skip is not None else x


class LinknetDecoder(nn.Module):
    def __init__(self, enc_channels, prefinal=32):
        super().__init__()
        ch = list(enc_channels[::-1]) + [prefinal]
        self.blocks = nn.ModuleList(LinknetBlock(ch[i], ch[i + 1]) for i in range(len(enc_channels)))

    def forward(self, feats):
        feats = feats[::-1]
        x, skips = feats[0], feats[1:]
        for i, b in enumerate(self.blocks):
            x = b(x, skips[i] if i < len(skips) else None)
        return x


class Linknet(nn.Module):
    def __init__(self, encoder, prefinal=32, classes=1):
        super().__init__()
        self.encoder = encoder
        self.decoder = LinknetDecoder(encoder.channels, prefinal)
        self.segmentation_head = nn.Sequential(nn.Conv2d(prefinal, classes, 1))

    def forward(self, x):
        return [self.segmentation_head(self.decoder(self.encoder(x)))]


def resnet34():
    return ResNetEncoder(torchvision.models.resnet34(), [64, 64, 128, 256, 512])


CASES = {
    "unet_tiny_3rd": lambda: (Unet(TinyEncoder(), (32, 32, 16, 16, 16), shuffle=True, scse=True, aspp=(32, [1, 2]),
                                   hc=8, dropout=0.1, ds=True, cls=True), (2, 3, 64, 64)),
    "unet_tiny_1st": lambda: (Unet(TinyEncoder(), (32, 32, 16, 16, 16), scse=True, hc=0, ds=True, cls=True),
                              (2, 3, 64, 64)),
    "fpn_tiny": lambda: (FPN(TinyEncoder(), 32, 32), (2, 3, 64, 64)),
    "fpn_resnet34": lambda: (FPN(resnet34(), 32, 32), (1, 3, 64, 64)),
    "linknet_tiny": lambda: (Linknet(TinyEncoder(), 16), (2, 3, 64, 64)),
    "linknet_resnet34": lambda: (Linknet(resnet34(), 32), (1, 3, 64, 64)),
}


def build(case):
    if case not in CASES:
        raise SystemExit("unknown case " + case + "; cases: " + ", ".join(CASES))
    return CASES[case]()


def randomize_biases(model, gen):
    """Non-zero conv/linear biases (PyTorch's default init is already random; kept for clarity) and random GroupNorm
    weights and biases (PyTorch starts them at 1 and 0, which would leave their import untested)."""
    for m in model.modules():
        if isinstance(m, nn.GroupNorm):
            m.weight.data = 1 + 0.3 * torch.randn(m.weight.shape, generator=gen)
            m.bias.data = 0.1 * torch.randn(m.bias.shape, generator=gen)
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)) and m.bias is not None:
            m.bias.data = 0.1 * torch.randn(m.bias.shape, generator=gen)


def write(case, out):
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(99)
    model, shape = build(case)
    randomize_bn(model, gen)
    randomize_biases(model, gen)
    model.eval()
    x = torch.randn(*shape, generator=gen)
    with torch.no_grad():
        ys = model(x)
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    np.savez(out + "/" + case + ".weights.npz", **sd)
    ref = {"x": x.numpy().astype(np.float32)}
    for i, y in enumerate(ys):
        ref["y%d" % i] = y.numpy().astype(np.float32)
    np.savez(out + "/" + case + ".ref.npz", **ref)
    print(case, "params", sum(p.numel() for p in model.parameters()), "outputs", [tuple(y.shape) for y in ys])


def main():
    """Writes the requested case, then every other case (one torch start-up for the whole test class)."""
    case, out = sys.argv[1], sys.argv[2]
    build(case)
    for c in [case] + [c for c in CASES if c != case]:
        write(c, out)


if __name__ == "__main__":
    main()
