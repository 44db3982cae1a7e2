package io.github.hubmapseg.models;

import java.util.List;
import org.nd4j.linalg.activations.Activation;

/**
 * The MAnet decoder of segmentation_models_pytorch ({@code smp.MAnet}, Fan et al. 2020 "MA-Net: A Multi-Scale
 * Attention Network"; {@code decoders/manet/decoder.py} and {@code model.py}), with its module names and smp's
 * defaults ({@code decoder_use_norm="batchnorm"}, {@code decoder_interpolation="nearest"}, reduction 16):
 *
 * <ul>
 *   <li>{@code decoder.center} (position attention block) on the deepest feature {@code x} with {@code C} channels:
 *       {@code top_conv} and {@code center_conv} 1x1 to {@code pab_channels} (default 64), {@code bottom_conv} 3x3,
 *       all with bias; their attention product ({@link PositionAttentionVertex}: one softmax over all
 *       {@code HW x HW} entries, smp's reshape) added to {@code x}, then {@code out_conv} 3x3 with bias.</li>
 *   <li>{@code decoder.blocks.i} for the skips at strides 16, 8, 4, 2 (multi-scale fusion attention): {@code hl_conv.0}
 *       Conv2dReLU 3x3 (in to in), {@code hl_conv.1} Conv2dReLU 1x1 (in to the skip's channels), nearest x2, times
 *       {@code SE_hl(x) + SE_ll(skip)} (each: average pool, {@code .1} 1x1 conv to {@code max(1, skip / 16)}, ReLU,
 *       {@code .3} 1x1 conv back, sigmoid; convs with bias), concatenated with the skip, {@code conv1} and
 *       {@code conv2} Conv2dReLU 3x3. The last block (no skip) is smp's plain {@code DecoderBlock}: nearest x2,
 *       {@code conv1}, {@code conv2}.</li>
 *   <li>{@code segmentation_head.0}: 3x3 conv with bias (no upsampling).</li>
 * </ul>
 * smp's {@code Conv2dReLU} with batch norm is {@code NAME.0} conv without bias, {@code NAME.1} BN, ReLU.
 */
final class ManetDecoder {
    /** smp's {@code MFABBlock} reduction. */
    static final int REDUCTION = 16;

    private ManetDecoder() {
    }

    private static String conv2dRelu(Blocks b, String name, String in, long out, int k) {
        return b.convBnRelu(name, in, out, k, 1, k / 2);
    }

    private static String se(Blocks b, String p, String in, long reduced) {
        long c = b.channels(in);
        String s = b.globalAvgPool(p + ".0", in);
        s = b.relu(p + ".2", b.conv(p + ".1", s, reduced, 1, 1, 0, 1, true));
        return b.act(p + ".4", b.conv(p + ".3", s, c, 1, 1, 0, 1, true), Activation.SIGMOID);
    }

    /**
     * @param b blocks
     * @param features encoder features at strides 2..32
     * @param decoderChannels the five blocks' channels (smp 256, 128, 64, 32, 16)
     * @param pabChannels smp's {@code decoder_pab_channels} (64)
     * @param classes logit channels
     * @return the logits vertex at input resolution
     */
    static String build(Blocks b, List<String> features, List<Integer> decoderChannels, int pabChannels,
            int classes) {
        int n = features.size();
        if (n != 5 || decoderChannels.size() != n) {
            throw new IllegalArgumentException("MAnet needs 5 encoder stages and 5 decoder channels, got " + n
                    + " stages and " + decoderChannels);
        }
        String head = features.get(n - 1);
        String p = "decoder.center";
        String top = b.conv(p + ".top_conv", head, pabChannels, 1, 1, 0, 1, true);
        String center = b.conv(p + ".center_conv", head, pabChannels, 1, 1, 0, 1, true);
        String bottom = b.conv(p + ".bottom_conv", head, b.channels(head), 3, 1, 1, 1, true);
        String att = b.positionAttention(p + ".attention", center, top, bottom);
        String x = b.conv(p + ".out_conv", b.add(p + ".add", head, att), b.channels(head), 3, 1, 1, 1, true);
        for (int i = 0; i < n; i++) {
            String q = "decoder.blocks." + i;
            int s = n - 2 - i;
            long out = decoderChannels.get(i);
            if (s >= 0) {
                String skip = features.get(s);
                long sc = b.channels(skip);
                long reduced = Math.max(1, sc / REDUCTION);
                x = conv2dRelu(b, q + ".hl_conv.0", x, b.channels(x), 3);
                x = conv2dRelu(b, q + ".hl_conv.1", x, sc, 1);
                x = b.upsample(q + ".up", x, 2);
                String gate = b.add(q + ".attention", se(b, q + ".SE_hl", x, reduced), se(b, q + ".SE_ll", skip,
                        reduced));
                x = b.concat(q + ".cat", b.scale(q + ".mul", x, gate), skip);
            } else {
                x = b.upsample(q + ".up", x, 2);
            }
            x = conv2dRelu(b, q + ".conv1", x, out, 3);
            x = conv2dRelu(b, q + ".conv2", x, out, 3);
        }
        return b.conv("segmentation_head.0", x, classes, 3, 1, 1, 1, true);
    }
}
