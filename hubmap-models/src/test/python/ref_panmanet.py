#!/usr/bin/python3
"""smp's PAN and MAnet, and timm's own tf_efficientnet_bN, for PanManetTest (torch 1.13, nothing downloaded).

Our transcription of qubvel-org/segmentation_models.pytorch at commit 5006616 (2026-08-14):
segmentation_models_pytorch/decoders/pan/decoder.py (ConvBnRelu, FPABlock, GAUBlock, PANDecoder) and pan/model.py
(PAN: encoder_output_stride=16 -> encoder.make_dilated(16), SegmentationHead(kernel_size=3, upsampling=4)),
decoders/manet/decoder.py (PABBlock, MFABBlock, DecoderBlock, MAnetDecoder) and manet/model.py (SegmentationHead
kernel 3), base/modules.py (Conv2dReLU with batch norm: conv without bias, BN, ReLU), base/heads.py (SegmentationHead:
conv, UpsamplingBilinear/Identity, activation), encoders/_utils.py (replace_strides_with_dilation) and
encoders/_base.py + the encoders' get_stages() (the stride-32 stage: resnet layer4; lukemelas EfficientNet
_blocks[_out_indexes[2] + 1:]; smp's timm EfficientNet blocks[stage_idxs[2]:]). Module names are smp's, so the
state_dict keys are smp's. The encoders are the project's existing transcriptions (torchvision resnet34 through
hubmap_models_ref.ResNetEncoder; lukemelas efficientnet-b0 and smp's timm-efficientnet-b0 in ref_smp.py).

timm's tf_efficientnet_bN: our transcription of huggingface/pytorch-image-models at aa4b5850: models/efficientnet.py
(tf_efficientnet_b0: bn_eps=BN_EPS_TF_DEFAULT=1e-3, pad_type='same'; _gen_efficientnet arch_def, stem 32,
num_features round_chs_fn(1280), Swish), layers/padding.py (get_padding_value: static k // 2 padding for stride 1,
dynamic pad_same for stride 2), layers/conv2d_same.py (Conv2dSame), efficientnet_blocks.py (the blocks as in
ref_smp.py) and the features_only feature_info (ends of stages 0, 1, 2, 4, 6). A classification state_dict (with
conv_head, bn2, classifier) as timm.create_model('tf_efficientnet_b0') has it.
Eval mode only.

/usr/bin/python3 ref_panmanet.py OUTDIR [CASE...] (default: every case): writes CASE.pth / CASE.legacy.pth / CASE.safetensors (the format in CASES),
CASE.x.npy, CASE.y.npy (logits; for the encoder the stride-32 feature) and, for the encoder, CASE.features.npz.
"""
import collections
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

import ref_decoders
import ref_encoders
import ref_import
import ref_smp
from hubmap_models_ref import ResNetEncoder


def replace_strides_with_dilation(module, dilation_rate):
    """smp encoders/_utils.py."""
    for mod in module.modules():
        if isinstance(mod, nn.Conv2d):
            mod.stride = (1, 1)
            mod.dilation = (dilation_rate, dilation_rate)
            kh, kw = mod.kernel_size
            mod.padding = ((kh // 2) * dilation_rate, (kh // 2) * dilation_rate)
            if hasattr(mod, "static_padding"):
                mod.static_padding = nn.Identity()


def make_dilated(encoder):
    """smp's EncoderMixin.make_dilated(16): the stride-32 stage at rate 2."""
    if isinstance(encoder, ResNetEncoder):
        stage = [encoder.layer4]
    elif isinstance(encoder, ref_smp.SmpTimmEfficientNetEncoder):  # timm_efficientnet.py: blocks[stage_idxs[2]:]
        stage = [encoder.blocks[5:]]
    else:  # lukemelas: _blocks[_out_indexes[2] + 1:], _out_indexes = stage_idxs - 1
        stage = [encoder._blocks[encoder.stage_idxs[2]:]]
    for m in stage:
        replace_strides_with_dilation(m, 2)


# ---- PAN (decoders/pan/decoder.py) ----

class ConvBnRelu(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 add_relu=True, interpolate=False):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                              dilation=dilation, bias=bias, groups=groups)
        self.activation = nn.ReLU(inplace=True)
        self.bn = nn.BatchNorm2d(out_channels)
        self.add_relu = add_relu
        self.interpolate = interpolate

    def forward(self, x):
        x = self.bn(self.conv(x))
        if self.add_relu:
            x = self.activation(x)
        if self.interpolate:
            x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=True)
        return x


class FPABlock(nn.Module):
    def __init__(self, in_channels, out_channels, upscale_mode="bilinear"):
        super().__init__()
        self.upscale_mode = upscale_mode
        self.align_corners = True if upscale_mode == "bilinear" else False
        self.branch1 = nn.Sequential(nn.AdaptiveAvgPool2d(1), ConvBnRelu(in_channels, out_channels, 1, 1, 0))
        self.mid = nn.Sequential(ConvBnRelu(in_channels, out_channels, 1, 1, 0))
        self.down1 = nn.Sequential(nn.MaxPool2d(kernel_size=2, stride=2), ConvBnRelu(in_channels, 1, 7, 1, 3))
        self.down2 = nn.Sequential(nn.MaxPool2d(kernel_size=2, stride=2), ConvBnRelu(1, 1, 5, 1, 2))
        self.down3 = nn.Sequential(nn.MaxPool2d(kernel_size=2, stride=2), ConvBnRelu(1, 1, 3, 1, 1),
                                   ConvBnRelu(1, 1, 3, 1, 1))
        self.conv2 = ConvBnRelu(1, 1, 5, 1, 2)
        self.conv1 = ConvBnRelu(1, 1, 7, 1, 3)

    def forward(self, x):
        _, _, height, width = x.shape
        b1 = F.interpolate(self.branch1(x), size=(height, width), mode=self.upscale_mode,
                           align_corners=self.align_corners)
        mid = self.mid(x)
        x1 = self.down1(x)
        x2 = self.down2(x1)
        x3 = self.down3(x2)
        x3 = F.interpolate(x3, size=(height // 4, width // 4), mode=self.upscale_mode, align_corners=self.align_corners)
        x2 = self.conv2(x2)
        x = x2 + x3
        x = F.interpolate(x, size=(height // 2, width // 2), mode=self.upscale_mode, align_corners=self.align_corners)
        x1 = self.conv1(x1)
        x = x + x1
        x = F.interpolate(x, size=(height, width), mode=self.upscale_mode, align_corners=self.align_corners)
        x = torch.mul(x, mid)
        return x + b1


class GAUBlock(nn.Module):
    def __init__(self, in_channels, out_channels, interpolation_mode="bilinear"):
        super().__init__()
        self.interpolation_mode = interpolation_mode
        self.align_corners = True if interpolation_mode == "bilinear" else None
        self.conv1 = nn.Sequential(nn.AdaptiveAvgPool2d(1), ConvBnRelu(out_channels, out_channels, 1, add_relu=False),
                                   nn.Sigmoid())
        self.conv2 = ConvBnRelu(in_channels, out_channels, kernel_size=3, padding=1)

    def forward(self, x, y):
        height, width = x.shape[2:]
        y_up = F.interpolate(y, size=(height, width), mode=self.interpolation_mode, align_corners=self.align_corners)
        x = self.conv2(x)
        y = self.conv1(y)
        return y_up + torch.mul(x, y)


class PANDecoder(nn.Module):
    def __init__(self, encoder_channels, decoder_channels):
        super().__init__()
        encoder_channels = encoder_channels[2:]  # smp's list starts with the input's channels
        self.fpa = FPABlock(encoder_channels[-1], decoder_channels)
        self.gau3 = GAUBlock(encoder_channels[2], decoder_channels)
        self.gau2 = GAUBlock(encoder_channels[1], decoder_channels)
        self.gau1 = GAUBlock(encoder_channels[0], decoder_channels)

    def forward(self, features):
        features = features[2:]
        out = self.fpa(features[-1])
        out = self.gau3(features[2], out)
        out = self.gau2(features[1], out)
        return self.gau1(features[0], out)


class PAN(nn.Module):
    def __init__(self, encoder, decoder_channels=32, output_stride=16, classes=1):
        super().__init__()
        self.encoder = encoder
        if output_stride == 16:
            make_dilated(encoder)
        self.decoder = PANDecoder([3] + list(encoder.channels), decoder_channels)
        self.segmentation_head = nn.Sequential(nn.Conv2d(decoder_channels, classes, 3, padding=1),
                                               nn.UpsamplingBilinear2d(scale_factor=4), nn.Identity())

    def forward(self, x):
        f = self.encoder(x)
        return [self.segmentation_head(self.decoder([x] + list(f)))]


# ---- MAnet (decoders/manet/decoder.py) ----

def conv2d_relu(cin, cout, k, padding=0):
    """base/modules.py Conv2dReLU with use_norm="batchnorm": conv (bias=False), BN, ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=padding, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class PABBlock(nn.Module):
    def __init__(self, in_channels, pab_channels=64):
        super().__init__()
        self.pab_channels = pab_channels
        self.in_channels = in_channels
        self.top_conv = nn.Conv2d(in_channels, pab_channels, kernel_size=1)
        self.center_conv = nn.Conv2d(in_channels, pab_channels, kernel_size=1)
        self.bottom_conv = nn.Conv2d(in_channels, in_channels, kernel_size=3, padding=1)
        self.map_softmax = nn.Softmax(dim=1)
        self.out_conv = nn.Conv2d(in_channels, in_channels, kernel_size=3, padding=1)

    def forward(self, x):
        batch_size, _, height, width = x.shape
        x_top = self.top_conv(x)
        x_center = self.center_conv(x)
        x_bottom = self.bottom_conv(x)
        x_top = x_top.flatten(2)
        x_center = x_center.flatten(2).transpose(1, 2)
        x_bottom = x_bottom.flatten(2).transpose(1, 2)
        sp_map = torch.matmul(x_center, x_top)
        sp_map = self.map_softmax(sp_map.view(batch_size, -1))
        sp_map = sp_map.view(batch_size, height * width, height * width)
        sp_map = torch.matmul(sp_map, x_bottom)
        sp_map = sp_map.reshape(batch_size, self.in_channels, height, width)
        x = x + sp_map
        return self.out_conv(x)


class MFABBlock(nn.Module):
    def __init__(self, in_channels, skip_channels, out_channels, interpolation_mode="nearest", reduction=16):
        super().__init__()
        self.hl_conv = nn.Sequential(conv2d_relu(in_channels, in_channels, 3, padding=1),
                                     conv2d_relu(in_channels, skip_channels, 1))
        reduced_channels = max(1, skip_channels // reduction)
        self.SE_ll = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(skip_channels, reduced_channels, 1),
                                   nn.ReLU(inplace=True), nn.Conv2d(reduced_channels, skip_channels, 1), nn.Sigmoid())
        self.SE_hl = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(skip_channels, reduced_channels, 1),
                                   nn.ReLU(inplace=True), nn.Conv2d(reduced_channels, skip_channels, 1), nn.Sigmoid())
        self.conv1 = conv2d_relu(skip_channels + skip_channels, out_channels, 3, padding=1)
        self.conv2 = conv2d_relu(out_channels, out_channels, 3, padding=1)
        self.interpolation_mode = interpolation_mode

    def forward(self, x, skip=None):
        x = self.hl_conv(x)
        x = F.interpolate(x, scale_factor=2.0, mode=self.interpolation_mode)
        attention_hl = self.SE_hl(x)
        if skip is not None:
            attention_ll = self.SE_ll(skip)
            attention_hl = attention_hl + attention_ll
            x = x * attention_hl
            x = torch.cat([x, skip], dim=1)
        x = self.conv1(x)
        return self.conv2(x)


class DecoderBlock(nn.Module):
    def __init__(self, in_channels, skip_channels, out_channels, interpolation_mode="nearest"):
        super().__init__()
        self.conv1 = conv2d_relu(in_channels + skip_channels, out_channels, 3, padding=1)
        self.conv2 = conv2d_relu(out_channels, out_channels, 3, padding=1)
        self.interpolation_mode = interpolation_mode

    def forward(self, x, skip=None):
        x = F.interpolate(x, scale_factor=2.0, mode=self.interpolation_mode)
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.conv2(self.conv1(x))


class MAnetDecoder(nn.Module):
    def __init__(self, encoder_channels, decoder_channels, reduction=16, pab_channels=64):
        super().__init__()
        encoder_channels = encoder_channels[1:][::-1]
        head_channels = encoder_channels[0]
        in_channels = [head_channels] + list(decoder_channels[:-1])
        skip_channels = list(encoder_channels[1:]) + [0]
        self.center = PABBlock(head_channels, pab_channels=pab_channels)
        self.blocks = nn.ModuleList(
            MFABBlock(i, s, o, reduction=reduction) if s > 0 else DecoderBlock(i, s, o)
            for i, s, o in zip(in_channels, skip_channels, decoder_channels))

    def forward(self, features):
        features = features[1:][::-1]
        head, skips = features[0], features[1:]
        x = self.center(head)
        for i, block in enumerate(self.blocks):
            x = block(x, skips[i] if i < len(skips) else None)
        return x


class MAnet(nn.Module):
    def __init__(self, encoder, decoder_channels=(256, 128, 64, 32, 16), pab_channels=64, classes=1):
        super().__init__()
        self.encoder = encoder
        self.decoder = MAnetDecoder([3] + list(encoder.channels), decoder_channels, pab_channels=pab_channels)
        self.segmentation_head = nn.Sequential(nn.Conv2d(decoder_channels[-1], classes, 3, padding=1), nn.Identity(),
                                               nn.Identity())

    def forward(self, x):
        f = self.encoder(x)
        return [self.segmentation_head(self.decoder([x] + list(f)))]


# ---- timm tf_efficientnet_bN ----

def get_same_padding(x, k, s, d):
    return max((math.ceil(x / s) - 1) * s + (k - 1) * d + 1 - x, 0)


class Conv2dSame(nn.Conv2d):
    """timm layers/conv2d_same.py: pad_same at run time, then an unpadded conv."""

    def __init__(self, cin, cout, k, stride=1, groups=1, bias=False):
        super().__init__(cin, cout, k, stride, 0, 1, groups, bias)

    def forward(self, x):
        ih, iw = x.size()[-2:]
        kh, kw = self.weight.size()[-2:]
        pad_h = get_same_padding(ih, kh, self.stride[0], self.dilation[0])
        pad_w = get_same_padding(iw, kw, self.stride[1], self.dilation[1])
        x = F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))
        return F.conv2d(x, self.weight, self.bias, self.stride, (0, 0), self.dilation, self.groups)


def create_conv2d(cin, cout, k, stride=1, groups=1):
    """timm create_conv2d(padding='same'): static k // 2 when is_static_pad (stride 1, odd k), else Conv2dSame."""
    if stride == 1 and (k - 1) % 2 == 0:
        return nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False)
    return Conv2dSame(cin, cout, k, stride, groups=groups)


def bn(c):
    return nn.BatchNorm2d(c, eps=1e-3)


class TfDS(ref_smp.TimmDS):
    def __init__(self, cin, cout, k, s):
        super().__init__(cin, cout, k, s)
        self.conv_dw = create_conv2d(cin, cin, k, s, groups=cin)
        self.bn1, self.bn2 = bn(cin), bn(cout)


class TfIR(ref_smp.TimmIR):
    def __init__(self, cin, cout, k, s, e):
        super().__init__(cin, cout, k, s, e)
        mid = self.conv_pw.out_channels
        self.conv_dw = create_conv2d(mid, mid, k, s, groups=mid)
        self.bn1, self.bn2, self.bn3 = bn(mid), bn(mid), bn(cout)


class TfEfficientNet(nn.Module):
    """timm.create_model('tf_efficientnet_bN'): names conv_stem, bn1, blocks.S.I, conv_head, bn2, classifier."""

    def __init__(self, n):
        super().__init__()
        width, depth, _ = ref_smp.PARAMS[n]
        stem = ref_smp.round_filters(32, width)
        self.conv_stem = create_conv2d(3, stem, 3, 2)
        self.bn1 = bn(stem)
        stages, cin = [], stem
        for idx, (r, k, s, e, _, o) in enumerate(ref_smp.BLOCKS):
            o, r = ref_smp.round_filters(o, width), int(math.ceil(depth * r))
            blocks = []
            for j in range(r):
                blocks.append(TfDS(cin, o, k, s) if idx == 0 else TfIR(cin, o, k, s if j == 0 else 1, e))
                cin = o
            stages.append(nn.Sequential(*blocks))
        self.blocks = nn.Sequential(*stages)
        head = ref_smp.round_filters(1280, width)
        self.conv_head = nn.Conv2d(cin, head, 1, bias=False)
        self.bn2 = bn(head)
        self.classifier = nn.Linear(head, 1000)

    def forward(self, x):
        """timm's features_only outputs: the ends of stages 0, 1, 2, 4, 6."""
        x = ref_smp.swish(self.bn1(self.conv_stem(x)))
        feats = []
        for i, stage in enumerate(self.blocks):
            x = stage(x)
            if i in (0, 1, 2, 4, 6):
                feats.append(x)
        return feats


def encoder(name):
    if name == "resnet34":
        return ResNetEncoder(torchvision.models.resnet34(), [64, 64, 128, 256, 512])
    if name == "timm-efficientnet-b0":
        return ref_smp.SmpTimmEfficientNetEncoder(0)
    return ref_smp.SmpEfficientNetEncoder(0)  # efficientnet-b0


# case: (model factory, input shape, format)
CASES = collections.OrderedDict([
    ("pan_resnet34", (lambda: PAN(encoder("resnet34"), 32), (2, 3, 128, 128), "zip")),
    ("pan_efficientnet-b0", (lambda: PAN(encoder("efficientnet-b0"), 32), (1, 3, 128, 128), "legacy")),
    ("pan_timm-efficientnet-b0", (lambda: PAN(encoder("timm-efficientnet-b0"), 32), (1, 3, 128, 128), "safetensors")),
    ("pan32_resnet34", (lambda: PAN(encoder("resnet34"), 64, output_stride=32), (1, 3, 256, 256), "safetensors")),
    ("manet_resnet34", (lambda: MAnet(encoder("resnet34"), (32, 16, 16, 8, 8), 16), (2, 3, 128, 128), "safetensors")),
    ("manet_efficientnet-b0", (lambda: MAnet(encoder("efficientnet-b0"), (32, 16, 16, 8, 8)), (1, 3, 128, 128),
                               "zip")),
    ("tf_efficientnet_b0", (lambda: TfEfficientNet(0), (2, 3, 64, 64), "legacy")),
])


def write(case, out):
    factory, shape, fmt = CASES[case]
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(99)
    model = factory()
    ref_encoders.randomize(model, gen)
    ref_decoders.randomize_biases(model, gen)
    model.eval()
    x = torch.randn(*shape, generator=gen)
    with torch.no_grad():
        ys = model(x)
    if case.startswith("tf_"):
        np.savez(out + "/" + case + ".features.npz", **{"y%d" % i: f.numpy() for i, f in enumerate(ys)})
    ref_import.save_all(model.state_dict(), out, case, (fmt,))
    np.save(out + "/" + case + ".x.npy", x.numpy())
    np.save(out + "/" + case + ".y.npy", np.ascontiguousarray(ys[-1 if case.startswith("tf_") else 0].numpy()))
    print(case, fmt, tuple(ys[0].shape), flush=True)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for c in sys.argv[2:] or CASES:
        if c not in CASES:
            raise SystemExit("unknown case " + c + "; cases: " + ", ".join(CASES))
        write(c, out)


if __name__ == "__main__":
    main()
