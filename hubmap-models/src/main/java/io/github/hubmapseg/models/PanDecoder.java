package io.github.hubmapseg.models;

import java.util.List;
import org.nd4j.linalg.activations.Activation;

/**
 * The PAN decoder of segmentation_models_pytorch ({@code smp.PAN}, Li et al. 2018 "Pyramid Attention Network";
 * {@code decoders/pan/decoder.py} and {@code model.py}), with its module names, on the encoder features at strides
 * 4..32 (the stride-2 feature is unused), with smp's defaults: {@code encoder_depth=5},
 * {@code decoder_interpolation="bilinear"} ({@code align_corners=True}), {@code upsampling=4}.
 *
 * <ul>
 *   <li>{@code decoder.fpa} (feature pyramid attention) on the deepest feature {@code x} ({@code H x W}): a global
 *       branch ({@code branch1.0} average pool, {@code branch1.1} ConvBnRelu 1x1, spread over {@code H x W}), a
 *       middle branch ({@code mid.0}, ConvBnRelu 1x1) and a pyramid: {@code down1} (2x2 max pool, ConvBnRelu 7x7 to 1
 *       channel), {@code down2} (pool, 5x5), {@code down3} (pool, 3x3, 3x3); {@code down3} resized to {@code down2}'s
 *       size plus {@code conv2(down2)} (5x5), resized to {@code down1}'s size plus {@code conv1(down1)} (7x7), resized
 *       to {@code H x W}, times the middle branch, plus the global branch.</li>
 *   <li>{@code decoder.gau3/gau2/gau1} (global attention upsample) with the features at strides 16, 8, 4:
 *       {@code y_up + conv2(x) * conv1(y)}, where {@code y} is the deeper output, {@code y_up} it resized to
 *       {@code x}'s size, {@code conv2} a ConvBnRelu 3x3 and {@code conv1} average pool, ConvBn 1x1
 *       ({@code conv1.1}), sigmoid.</li>
 *   <li>{@code segmentation_head.0}: 3x3 conv with bias to the classes, then bilinear x4
 *       ({@code align_corners=True}).</li>
 * </ul>
 * smp's {@code ConvBnRelu} is {@code NAME.conv} (a conv with bias), {@code NAME.bn}, ReLU. Resizes are
 * {@link BilinearResizeVertex}; the global branch's resize of a 1x1 map is a broadcast ({@link ExpandVertex}).
 * smp's default {@code encoder_output_stride=16} dilates the encoder's last stage (see
 * {@link Blocks#dilate}); {@link Models.Builder#encoderOutputStride} sets it up. The FPA's three poolings need the
 * deepest feature to be at least 8 x 8 (input 128 at output stride 16), as smp's note says.
 */
final class PanDecoder {
    private PanDecoder() {
    }

    private static String convBnRelu(Blocks b, String name, String in, long out, int k, boolean relu) {
        String x = b.bn(name + ".bn", b.conv(name + ".conv", in, out, k, 1, k / 2, 1, true));
        return relu ? b.relu(name + ".relu", x) : x;
    }

    /**
     * @param b blocks
     * @param features encoder features at strides 2..32
     * @param channels smp's {@code decoder_channels} (default 32)
     * @param classes logit channels
     * @return the logits vertex at input resolution
     */
    static String build(Blocks b, List<String> features, int channels, int classes) {
        if (features.size() != 5) {
            throw new IllegalArgumentException("PAN needs an encoder with 5 stages, got " + features.size());
        }
        String out = fpa(b, "decoder.fpa", features.get(4), channels);
        out = gau(b, "decoder.gau3", features.get(3), out, channels);
        out = gau(b, "decoder.gau2", features.get(2), out, channels);
        out = gau(b, "decoder.gau1", features.get(1), out, channels);
        String logits = b.conv("segmentation_head.0", out, classes, 3, 1, 1, 1, true);
        return b.bilinearUpsample("segmentation_head.1", logits, 4);
    }

    private static String fpa(Blocks b, String p, String x, int channels) {
        String g = b.globalAvgPool(p + ".branch1.0", x);
        g = b.expand(p + ".branch1.up", convBnRelu(b, p + ".branch1.1", g, channels, 1, true), x);
        String mid = convBnRelu(b, p + ".mid.0", x, channels, 1, true);
        String x1 = convBnRelu(b, p + ".down1.1", b.maxPool(p + ".down1.0", x, 2, 2, 0), 1, 7, true);
        String x2 = convBnRelu(b, p + ".down2.1", b.maxPool(p + ".down2.0", x1, 2, 2, 0), 1, 5, true);
        String x3 = b.maxPool(p + ".down3.0", x2, 2, 2, 0);
        x3 = convBnRelu(b, p + ".down3.2", convBnRelu(b, p + ".down3.1", x3, 1, 3, true), 1, 3, true);
        String y = b.add(p + ".add2", convBnRelu(b, p + ".conv2", x2, 1, 5, true),
                b.bilinearResize(p + ".up3", x3, x2));
        y = b.add(p + ".add1", b.bilinearResize(p + ".up2", y, x1), convBnRelu(b, p + ".conv1", x1, 1, 7, true));
        y = b.bilinearResize(p + ".up1", y, x);
        return b.add(p + ".out", b.scale(p + ".mul", mid, y), g);
    }

    private static String gau(Blocks b, String p, String x, String y, int channels) {
        String up = b.bilinearResize(p + ".up", y, x);
        String xc = convBnRelu(b, p + ".conv2", x, channels, 3, true);
        String g = convBnRelu(b, p + ".conv1.1", b.globalAvgPool(p + ".conv1.0", y), channels, 1, false);
        g = b.act(p + ".conv1.2", g, Activation.SIGMOID);
        return b.add(p + ".out", up, b.scale(p + ".mul", xc, g));
    }
}
