package io.github.hubmapseg.models;

import java.util.List;

/**
 * The U-Net decoder of segmentation_models_pytorch ({@code smp.Unet}, no attention, no center block),
 * with its module names: block {@code i} upsamples its input by 2, concatenates the encoder feature of the
 * same stride (none for the last block) and applies two 3x3 conv-BN-ReLU
 * ({@code decoder.blocks.i.conv1.0/1}, {@code decoder.blocks.i.conv2.0/1}). The head is a 3x3 conv with
 * bias ({@code segmentation_head.0}) producing logits at input resolution.
 */
final class UnetDecoder {
    private UnetDecoder() {
    }

    /**
     * @param b blocks
     * @param features encoder features at strides 2..32
     * @param decoderChannels output channels of the five decoder blocks
     * @param classes logit channels
     * @param up upsampling mode
     * @return the logits vertex
     */
    static String build(Blocks b, List<String> features, List<Integer> decoderChannels, int classes,
            Upsampling up) {
        int n = features.size();
        if (decoderChannels.size() != n) {
            throw new IllegalArgumentException("decoderChannels must have " + n + " entries (one per encoder"
                    + " stage), got " + decoderChannels);
        }
        String x = features.get(n - 1);
        for (int i = 0; i < n; i++) {
            String p = "decoder.blocks." + i;
            x = b.upsample(p + ".up", x, 2);
            int skip = n - 2 - i;
            if (skip >= 0) {
                x = b.concat(p + ".cat", x, features.get(skip));
            }
            x = b.convBnRelu(p + ".conv1", x, decoderChannels.get(i), 3, 1, 1);
            x = b.convBnRelu(p + ".conv2", x, decoderChannels.get(i), 3, 1, 1);
        }
        return b.conv("segmentation_head.0", x, classes, 3, 1, 1, 1, true);
    }
}
