#!/usr/bin/python3
"""U-Nets with attention gates (Oktay et al. 2018) or CBAM (Woo et al. 2018), for AttentionParityTest.

/usr/bin/python3 ref_attention.py CASE OUTDIR (writes every case, as ref_decoders.py: CASE.weights.npz, CASE.ref.npz).
Our transcriptions: GridAttentionBlock2D (mode concatenation, sub_sample_factor 2) of ozan-oktay/Attention-Gated-Networks
models/layers/grid_attention_layer.py at d8a69fd, with F.upsample's bilinear as it was then (align_corners=True);
ChannelGate / ChannelPool / SpatialGate / BasicConv / CBAM of Jongchan/attention-module MODELS/cbam.py. The U-Net is
ref_decoders.Unet's (smp's DecoderBlock); the gate takes the skip and the block's input, CBAM sits where scSE does.
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import ref_decoders
from hubmap_models_ref import TinyEncoder, conv_bn_relu, randomize_bn


class GridAttentionBlock2D(nn.Module):
    def __init__(self, in_channels, gating_channels):
        super().__init__()
        inter = max(1, in_channels // 2)
        self.W = nn.Sequential(nn.Conv2d(in_channels, in_channels, 1), nn.BatchNorm2d(in_channels))
        self.theta = nn.Conv2d(in_channels, inter, 2, stride=2, padding=0, bias=False)
        self.phi = nn.Conv2d(gating_channels, inter, 1, bias=True)
        self.psi = nn.Conv2d(inter, 1, 1, bias=True)

    def forward(self, x, g):
        theta_x = self.theta(x)
        phi_g = F.interpolate(self.phi(g), size=theta_x.shape[2:], mode="bilinear", align_corners=True)
        f = F.relu(theta_x + phi_g)
        sigm_psi_f = torch.sigmoid(self.psi(f))
        sigm_psi_f = F.interpolate(sigm_psi_f, size=x.shape[2:], mode="bilinear", align_corners=True)
        return self.W(sigm_psi_f.expand_as(x) * x)


class BasicConv(nn.Module):
    def __init__(self, cin, cout, k, padding):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride=1, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.01, affine=True)

    def forward(self, x):
        return self.bn(self.conv(x))


class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


class ChannelGate(nn.Module):
    def __init__(self, c, r=16):
        super().__init__()
        self.mlp = nn.Sequential(Flatten(), nn.Linear(c, c // r), nn.ReLU(), nn.Linear(c // r, c))

    def forward(self, x):
        avg = F.avg_pool2d(x, (x.size(2), x.size(3)), stride=(x.size(2), x.size(3)))
        mx = F.max_pool2d(x, (x.size(2), x.size(3)), stride=(x.size(2), x.size(3)))
        s = self.mlp(avg) + self.mlp(mx)
        return x * torch.sigmoid(s).unsqueeze(2).unsqueeze(3).expand_as(x)


class SpatialGate(nn.Module):
    def __init__(self):
        super().__init__()
        self.spatial = BasicConv(2, 1, 7, padding=3)

    def forward(self, x):
        compress = torch.cat((torch.max(x, 1)[0].unsqueeze(1), torch.mean(x, 1).unsqueeze(1)), dim=1)
        return x * torch.sigmoid(self.spatial(compress))


class CBAM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ChannelGate = ChannelGate(c)
        self.SpatialGate = SpatialGate()

    def forward(self, x):
        return self.SpatialGate(self.ChannelGate(x))


class Wrap(nn.Module):  # smp's Attention wrapper: module under .attention
    def __init__(self, m):
        super().__init__()
        self.attention = m

    def forward(self, x):
        return self.attention(x)


class Block(nn.Module):
    def __init__(self, cin, skip, cout, gate, cbam):
        super().__init__()
        if gate and skip > 0:
            self.attention_gate = GridAttentionBlock2D(skip, cin)
        self.gate = gate and skip > 0
        self.attention1 = Wrap(CBAM(cin + skip)) if cbam and skip > 0 else nn.Identity()
        self.conv1 = conv_bn_relu(cin + skip, cout)
        self.conv2 = conv_bn_relu(cout, cout)
        self.attention2 = Wrap(CBAM(cout)) if cbam else nn.Identity()

    def forward(self, x, skip=None):
        g = x
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        if skip is not None:
            if self.gate:
                skip = self.attention_gate(skip, g)
            x = self.attention1(torch.cat([x, skip], dim=1))
        return self.attention2(self.conv2(self.conv1(x)))


class Decoder(nn.Module):
    def __init__(self, enc_channels, dec, gate, cbam):
        super().__init__()
        rev = enc_channels[::-1]
        ins = [rev[0]] + list(dec[:-1])
        skips = list(rev[1:]) + [0]
        self.blocks = nn.ModuleList(Block(i, s, o, gate, cbam) for i, s, o in zip(ins, skips, dec))

    def forward(self, feats):
        feats = feats[::-1]
        x, skips = feats[0], feats[1:]
        for i, b in enumerate(self.blocks):
            x = b(x, skips[i] if i < len(skips) else None)
        return x


class Unet(nn.Module):
    def __init__(self, dec, gate=False, cbam=False):
        super().__init__()
        self.encoder = TinyEncoder()
        self.decoder = Decoder(self.encoder.channels, dec, gate, cbam)
        self.segmentation_head = nn.Sequential(nn.Conv2d(dec[-1], 1, 3, padding=1))

    def forward(self, x):
        return [self.segmentation_head(self.decoder(self.encoder(x)))]


CASES = {
    "unet_tiny_gate": lambda: (Unet((32, 32, 16, 16, 16), gate=True), (2, 3, 64, 64)),
    "unet_tiny_cbam": lambda: (Unet((32, 32, 16, 16, 16), cbam=True), (2, 3, 64, 64)),
}


def write(case, out):
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(99)
    model, shape = CASES[case]()
    randomize_bn(model, gen)
    ref_decoders.randomize_biases(model, gen)
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
    print(case, "params", sum(p.numel() for p in model.parameters()))


def main():
    case, out = sys.argv[1], sys.argv[2]
    for c in [case] + [c for c in CASES if c != case]:
        write(c, out)


if __name__ == "__main__":
    main()
