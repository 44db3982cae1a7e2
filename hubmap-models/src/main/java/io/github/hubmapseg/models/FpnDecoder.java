package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.List;

/**
 * The FPN decoder of segmentation_models_pytorch ({@code smp.FPN}, {@code decoders/fpn/decoder.py} and
 * {@code model.py}), with its module names, on the encoder features at strides 4, 8, 16, 32 (c2..c5; the stride-2
 * feature is unused): lateral 1x1 convs with bias ({@code decoder.p5}, {@code decoder.p4/p3/p2.skip_conv}), top-down
 * pathway (nearest x2 upsampling added to the lateral), one segmentation block per level
 * ({@code decoder.seg_blocks.i.block.j.block.0} 3x3 conv without bias, {@code .block.1} {@code GroupNorm(32)},
 * ReLU, then bilinear x2 upsampling with {@code align_corners=True}, repeated until stride 4: 3, 2, 1, 0
 * upsamplings), merged by sum (smp's default {@code merge_policy="add"}), dropout ({@code decoder.dropout}), head
 * {@code segmentation_head.0} (1x1 conv with bias) and {@code UpsamplingBilinear2d(scale_factor=4)} to the input
 * size. GroupNorm and bilinear upsampling are this module's own vertices ({@link GroupNormVertex},
 * {@link BilinearUpsampleVertex}; DL4J 1.0.0-M2.1 has neither in a form that trains), so smp FPN state_dicts import
 * and give smp's logits. One difference in training only: smp's {@code Dropout2d} drops whole channels, this
 * drops elements (both are the identity at inference). Segmentation channels must be a multiple of 32.
 */
final class FpnDecoder {
    /** smp's {@code nn.GroupNorm(32, segmentation_channels)}. */
    static final int GROUPS = 32;

    private FpnDecoder() {
    }

    /**
     * @param b blocks
     * @param features encoder features at strides 2..32
     * @param pyramid pyramid channels (smp 256)
     * @param segmentation segmentation-block channels (smp 128; a multiple of 32)
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
                x = b.conv(q + ".0", x, segmentation, 3, 1, 1, 1, false);
                x = b.relu(q + ".2", b.groupNorm(q + ".1", x, GROUPS, 1e-5));
                if (ups > 0) {
                    x = b.bilinearUpsample(q + ".up", x, 2);
                }
            }
            merged.add(x);
        }
        String x = b.add("decoder.merge", merged.toArray(new String[0]));
        if (dropout > 0) {
            x = b.dropout("decoder.dropout", x, dropout);
        }
        String logits = b.conv("segmentation_head.0", x, classes, 1, 1, 0, 1, true);
        return b.bilinearUpsample("segmentation_head.1", logits, 4);
    }
}
