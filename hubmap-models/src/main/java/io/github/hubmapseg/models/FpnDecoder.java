package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.List;

/**
 * The FPN decoder of segmentation_models_pytorch ({@code smp.FPN}), with its module names, on the encoder
 * features at strides 4, 8, 16, 32 (c2..c5; the stride-2 feature is unused): lateral 1x1 convs with bias
 * ({@code decoder.p5}, {@code decoder.p4/p3/p2.skip_conv}), top-down pathway (nearest x2 upsampling added to the
 * lateral), one segmentation block per level ({@code decoder.seg_blocks.i.block.j.block.0} 3x3 conv without
 * bias, {@code .block.1} norm, ReLU, x2 upsampling, repeated until stride 4: 3, 2, 1, 0 upsamplings), merged by
 * sum, dropout ({@code decoder.dropout}), head {@code segmentation_head.0} (1x1 conv with bias) and x4
 * upsampling to the input size.
 *
 * <p>Two deliberate differences from smp (DL4J 1.0.0-M2.1 has no GroupNorm layer, and bilinear resize has no
 * working backprop there): the norm is BatchNorm instead of GroupNorm(32), and every upsampling in the
 * segmentation blocks and head is nearest instead of bilinear (align_corners). Names are smp's, so the convs
 * of an smp FPN checkpoint map, but its GroupNorm tensors have no running statistics: such a checkpoint does not
 * import as is (the error lists what is missing). The PyTorch mirror in {@code ref_decoders.py} has the same
 * two substitutions.
 */
final class FpnDecoder {
    private FpnDecoder() {
    }

    /**
     * @param b blocks
     * @param features encoder features at strides 2..32
     * @param pyramid pyramid channels (smp 256)
     * @param segmentation segmentation-block channels (smp 128)
     * @param dropout drop probability after the merge (smp 0.2)
     * @param classes logit channels
     * @return the logits vertex at input resolution
     */
    static String build(Blocks b, List<String> features, int pyramid, int segmentation, double dropout,
            int classes) {
        int n = features.size();
        if (n != 5) {
            throw new IllegalArgumentException("FPN needs an encoder with 5 stages, got " + n);
        }
        String p5 = b.conv("decoder.p5", features.get(4), pyramid, 1, 1, 0, 1, true);
        List<String> ps = new ArrayList<>(List.of(p5));
        String p = p5;
        for (int level = 4; level >= 2; level--) {
            String name = "decoder.p" + level;
            String up = b.upsample(name + ".up", p, 2);
            String skip = b.conv(name + ".skip_conv", features.get(level - 1), pyramid, 1, 1, 0, 1, true);
            p = b.add(name + ".add", up, skip);
            ps.add(p);
        }
        List<String> merged = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int ups = 3 - i;
            String x = ps.get(i);
            for (int j = 0; j < Math.max(1, ups); j++) {
                String q = "decoder.seg_blocks." + i + ".block." + j + ".block";
                x = b.convBnRelu(q, x, segmentation, 3, 1, 1);
                if (ups > 0) {
                    x = b.upsample(q + ".up", x, 2);
                }
            }
            merged.add(x);
        }
        String x = b.add("decoder.merge", merged.toArray(new String[0]));
        if (dropout > 0) {
            x = b.dropout("decoder.dropout", x, dropout);
        }
        String logits = b.conv("segmentation_head.0", x, classes, 1, 1, 0, 1, true);
        return b.upsample("segmentation_head.1", logits, 4);
    }
}
