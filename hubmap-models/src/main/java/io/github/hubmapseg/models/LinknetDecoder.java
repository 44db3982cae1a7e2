package io.github.hubmapseg.models;

import java.util.List;

/**
 * The Linknet decoder of segmentation_models_pytorch ({@code smp.Linknet}), with its module names. Block
 * {@code i} (0..4) maps {@code C_in} channels: 1x1 conv-BN-ReLU to {@code C_in/4}
 * ({@code decoder.blocks.i.block.0.0/1}), 4x4 stride-2 transposed conv with bias + BN + ReLU
 * ({@code .block.1.0/1}), 1x1 conv-BN-ReLU to {@code C_out} ({@code .block.2.0/1}), then adds the encoder
 * feature of the new stride (none after the last block). Channels run along the encoder's stages from the
 * deepest, ending at {@code prefinal} (smp 32). Head: 1x1 conv with bias ({@code segmentation_head.0}).
 */
final class LinknetDecoder {
    private LinknetDecoder() {
    }

    /**
     * @param b blocks
     * @param features encoder features at strides 2..32
     * @param prefinal channels of the last block (smp 32)
     * @param classes logit channels
     * @return the logits vertex at input resolution
     */
    static String build(Blocks b, List<String> features, int prefinal, int classes) {
        int n = features.size();
        String x = features.get(n - 1);
        for (int i = 0; i < n; i++) {
            String p = "decoder.blocks." + i + ".block";
            int skip = n - 2 - i;
            long cin = b.channels(x);
            long mid = cin / 4;
            if (mid < 1) {
                throw new IllegalArgumentException("Linknet block " + i + " needs >= 4 input channels, got " + cin);
            }
            long cout = skip >= 0 ? b.channels(features.get(skip)) : prefinal;
            x = b.convBnRelu(p + ".0", x, mid, 1, 1, 0);
            String t = b.transposedConv(p + ".1.0", x, mid, 4, 2, 1, true);
            x = b.relu(p + ".1.2", b.bn(p + ".1.1", t));
            x = b.convBnRelu(p + ".2", x, cout, 1, 1, 0);
            if (skip >= 0) {
                x = b.add("decoder.blocks." + i + ".add", x, features.get(skip));
            }
        }
        return b.conv("segmentation_head.0", x, classes, 1, 1, 0, 1, true);
    }
}
