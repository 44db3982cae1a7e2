package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.List;

/**
 * The U-Net decoder of segmentation_models_pytorch ({@code smp.Unet}, no center block) with its module names,
 * plus the options of the winning HuBMAP solutions. Block {@code i} (0..4) upsamples its input by 2
 * ({@link Upsampling}), concatenates the encoder feature of the same stride (none for the last block),
 * applies smp's {@code attention1} (scSE, on the concatenation; only where there is a skip), two 3x3
 * conv-BN-ReLU ({@code decoder.blocks.i.conv1.0/1}, {@code decoder.blocks.i.conv2.0/1}) and
 * {@code attention2} (scSE). Block {@code i}'s output has stride {@code 2^(4-i)}: 16, 8, 4, 2, 1.
 *
 * <p>Options: ASPP on the deepest encoder feature ({@code decoder.aspp}, see {@link Aspp}); hypercolumn
 * (called FPN skips by the 3rd place): the outputs of blocks 0..3, each optionally mapped by
 * {@code decoder.hypercolumn.i} (3x3 conv 2h (bias), ReLU, BN, 3x3 conv h (bias), as the 3rd-place/iafoss
 * {@code FPN} module) to {@code h} channels, upsampled (nearest) to the last block's resolution and
 * concatenated, deepest first, before the last block's output ({@code decoder.hypercolumn}); dropout
 * ({@code decoder.dropout}) before the head. The head is a 3x3 conv with bias ({@code segmentation_head.0}).
 * Attention gates ({@code decoder.blocks.i.attention_gate}, Oktay et al.) gate each skip by the block's input
 * before the concatenation; CBAM takes scSE's places.
 */
final class UnetDecoder {
    private UnetDecoder() {
    }

    /**
     * Decoder options.
     *
     * @param channels output channels of the five blocks
     * @param upsampling how blocks double the size
     * @param scse scSE attention in the blocks
     * @param asppRates ASPP rates, empty for no ASPP
     * @param asppChannels ASPP branch and output channels
     * @param hypercolumn whether the head sees the hypercolumn
     * @param hypercolumnChannels channels each level is mapped to first (0: concatenated as they are)
     * @param dropout drop probability before the head (0: none)
     * @param attentionGate an attention gate ({@link Attention#gate}) on every skip, gated by the block's input
     * @param cbam CBAM ({@link Attention#cbam}) where scSE would be ({@code attention1}, {@code attention2})
     */
    record Options(List<Integer> channels, Upsampling upsampling, boolean scse, List<Integer> asppRates,
            int asppChannels, boolean hypercolumn, int hypercolumnChannels, double dropout, boolean attentionGate,
            boolean cbam) {
    }

    /**
     * What the decoder produced.
     *
     * @param logits the segmentation logits vertex (stride 1)
     * @param blockOutputs outputs of blocks 0..4 (strides 16, 8, 4, 2, 1)
     * @param icnr pixel-shuffle convs to ICNR-initialise
     */
    record Result(String logits, List<String> blockOutputs, List<String> icnr) {
    }

    static Result build(Blocks b, List<String> features, Options o, int classes) {
        int n = features.size();
        if (o.channels().size() != n) {
            throw new IllegalArgumentException("decoderChannels must have " + n + " entries (one per encoder"
                    + " stage), got " + o.channels());
        }
        String x = features.get(n - 1);
        if (!o.asppRates().isEmpty()) {
            x = Aspp.build(b, "decoder.aspp", x, o.asppChannels(), o.asppRates());
        }
        List<String> outs = new ArrayList<>();
        List<String> icnr = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String p = "decoder.blocks." + i;
            String gating = x;
            if (o.upsampling() == Upsampling.PIXEL_SHUFFLE) {
                String c = b.conv(p + ".shuffle.0", x, 4 * b.channels(x), 1, 1, 0, 1, true);
                icnr.add(c);
                x = b.pixelShuffle(p + ".shuffle.2", b.relu(p + ".shuffle.1", c));
            } else {
                x = b.upsample(p + ".up", x, 2);
            }
            int skip = n - 2 - i;
            if (skip >= 0) {
                String s = features.get(skip);
                if (o.attentionGate()) {
                    s = Attention.gate(b, p + ".attention_gate", s, gating);
                }
                x = b.concat(p + ".cat", x, s);
                if (o.scse()) {
                    x = Attention.scse(b, p + ".attention1.attention", x);
                } else if (o.cbam()) {
                    x = Attention.cbam(b, p + ".attention1.attention", x);
                }
            }
            x = b.convBnRelu(p + ".conv1", x, o.channels().get(i), 3, 1, 1);
            x = b.convBnRelu(p + ".conv2", x, o.channels().get(i), 3, 1, 1);
            if (o.scse()) {
                x = Attention.scse(b, p + ".attention2.attention", x);
            } else if (o.cbam()) {
                x = Attention.cbam(b, p + ".attention2.attention", x);
            }
            outs.add(x);
        }
        if (o.hypercolumn()) {
            List<String> cols = new ArrayList<>();
            int h = o.hypercolumnChannels();
            for (int i = 0; i < n - 1; i++) {
                String p = "decoder.hypercolumn." + i;
                String y = outs.get(i);
                if (h > 0) {
                    y = b.conv(p + ".0", y, 2L * h, 3, 1, 1, 1, true);
                    y = b.bn(p + ".2", b.relu(p + ".1", y));
                    y = b.conv(p + ".3", y, h, 3, 1, 1, 1, true);
                }
                cols.add(b.upsample(p + ".up", y, 1 << (n - 1 - i)));
            }
            cols.add(x);
            x = b.concat("decoder.hypercolumn", cols.toArray(new String[0]));
        }
        if (o.dropout() > 0) {
            x = b.dropout("decoder.dropout", x, o.dropout());
        }
        return new Result(b.conv("segmentation_head.0", x, classes, 3, 1, 1, 1, true), outs, icnr);
    }
}
