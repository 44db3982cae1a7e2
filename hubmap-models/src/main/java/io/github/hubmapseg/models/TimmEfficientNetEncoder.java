package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.activations.Activation;

/**
 * smp's {@code timm-efficientnet-b0 .. b7} encoders: timm's {@code EfficientNet} built as smp's
 * {@code encoders/timm_efficientnet.py} (02b58cb) builds it ({@code get_efficientnet_kwargs}: stem 32, Swish, timm's
 * default symmetric padding {@code k // 2} and batch norm eps 1e-5 / momentum 0.1; {@code conv_head}, {@code bn2},
 * {@code classifier} removed), with timm's names: {@code conv_stem}, {@code bn1} (batch norm + Swish),
 * {@code blocks.S.I} with, in stage 0, the depthwise-separable block ({@code conv_dw}, {@code bn1}, {@code se},
 * {@code conv_pw}, {@code bn2}) and elsewhere the inverted residual ({@code conv_pw}, {@code bn1}, {@code conv_dw},
 * {@code bn2}, {@code se}, {@code conv_pwl}, {@code bn3}); squeeze-excite {@code se.conv_reduce} (block input x 0.25
 * units), Swish, {@code se.conv_expand}, sigmoid. Features: the stem, then the ends of stages 1, 2, 4 and 6 (smp's
 * {@code stage_idxs} 2, 3, 5). smp loads timm's {@code tf_efficientnet_bN} ImageNet weights into this network
 * (symmetric padding, although those weights were trained with TF "same" padding), and so do we: the file's names and
 * shapes do not say which padding it was trained with. Drop path is the identity.
 *
 * <p>{@code tf_efficientnet_b0 .. b7} is timm's own network of those weights ({@code timm/models/efficientnet.py}
 * {@code tf_efficientnet_bN}: {@code bn_eps=1e-3}, {@code pad_type="same"}), same names and shapes: batch norm eps
 * 1e-3, TF "same" padding ({@code timm/layers/padding.py}: stride-1 convolutions pad {@code k // 2} on every side;
 * stride-2 ones are timm's {@code Conv2dSame}, padding {@code max((ceil(i / 2) - 1) * 2 + k - i, 0)} split
 * {@code pad // 2} before and the rest after, at run time; for the even sizes every stride-2 convolution sees here,
 * inputs being multiples of 32, that is {@code (k - 2) / 2} before and {@code k / 2} after, a zero-padding layer
 * {@code NAME.pad} in front of an unpadded convolution), and timm's {@code features_only} features (its
 * {@code feature_info}: the ends of stages 0, 1, 2, 4, 6 at strides 2..32; smp's {@code tu-tf_efficientnet_bN} takes
 * the same).
 *
 * @param name registry name, {@code timm-efficientnet-bN}
 * @param widthMult channel multiplier
 * @param depthMult repeat multiplier
 * @param channels the features' channels (smp's {@code out_channels} without the input's)
 * @param tf timm's {@code tf_efficientnet_bN} (TF "same" padding, eps 1e-3, timm's features) instead of smp's network
 */
public record TimmEfficientNetEncoder(String name, double widthMult, double depthMult, List<Integer> channels,
        boolean tf) implements Encoder {

    /** timm's arch_def: expand ratio, kernel, stride, (unused), out, repeats. */
    private static final int[][] STAGES = {
        {1, 3, 1, 0, 16, 1}, {6, 3, 2, 0, 24, 2}, {6, 5, 2, 0, 40, 2}, {6, 3, 2, 0, 80, 3},
        {6, 5, 1, 0, 112, 3}, {6, 5, 2, 0, 192, 4}, {6, 3, 1, 0, 320, 1}};
    /** Stages after which smp takes the features at strides 4, 8, 16 (stage_idxs 2, 3, 5, minus one). */
    private static final List<Integer> FEATURE_STAGES = List.of(1, 2, 4);
    /** Stages after which timm's {@code feature_info} takes the features at strides 2, 4, 8, 16. */
    private static final List<Integer> TIMM_FEATURE_STAGES = List.of(0, 1, 2, 4);
    private static final double[][] WIDTH_DEPTH = {{1.0, 1.0}, {1.0, 1.1}, {1.1, 1.2}, {1.2, 1.4}, {1.4, 1.8},
        {1.6, 2.2}, {1.8, 2.6}, {2.0, 3.1}};

    /** Copies the list. */
    public TimmEfficientNetEncoder {
        channels = List.copyOf(channels);
    }

    /**
     * smp's {@code timm-efficientnet-bN}.
     *
     * @param n 0..7
     * @return the encoder
     */
    public static TimmEfficientNetEncoder b(int n) {
        int[][] ch = {{32, 24, 40, 112, 320}, {32, 24, 40, 112, 320}, {32, 24, 48, 120, 352}, {40, 32, 48, 136, 384},
            {48, 32, 56, 160, 448}, {48, 40, 64, 176, 512}, {56, 40, 72, 200, 576}, {64, 48, 80, 224, 640}};
        if (n < 0 || n > 7) {
            throw new IllegalArgumentException("EfficientNet variant must be 0..7, got " + n);
        }
        return new TimmEfficientNetEncoder("timm-efficientnet-b" + n, WIDTH_DEPTH[n][0], WIDTH_DEPTH[n][1],
                java.util.Arrays.stream(ch[n]).boxed().toList(), false);
    }

    /**
     * timm's {@code tf_efficientnet_bN}.
     *
     * @param n 0..7
     * @return the encoder
     */
    public static TimmEfficientNetEncoder tf(int n) {
        if (n < 0 || n > 7) {
            throw new IllegalArgumentException("EfficientNet variant must be 0..7, got " + n);
        }
        double w = WIDTH_DEPTH[n][0];
        List<Integer> ch = java.util.stream.IntStream.of(16, 24, 40, 112, 320)
                .map(c -> EfficientNetEncoder.makeDivisible(c * w)).boxed().toList();
        return new TimmEfficientNetEncoder("tf_efficientnet_b" + n, w, WIDTH_DEPTH[n][1], ch, true);
    }

    @Override
    public List<Integer> stageChannels() {
        return channels;
    }

    @Override
    public List<String> lastStageModules() {
        return tf ? List.of() : List.of("blocks.5", "blocks.6"); // smp's get_stages()[32]: blocks[stage_idxs[2]:]
    }

    @Override
    public List<String> unusedTorchModules() {
        return List.of("conv_head", "bn2", "classifier");
    }

    private int ch(int c) {
        return EfficientNetEncoder.makeDivisible(c * widthMult); // timm's round_channels: divisor 8, limit 0.9
    }

    private String bn(Blocks b, String name, String in, boolean act) {
        String x = b.bn(name, in, tf ? 1e-3 : 1e-5, 0.1);
        return act ? b.act(name + ".act", x, Activation.SWISH) : x;
    }

    /** A convolution, with timm's "same" padding for {@link #tf} at stride 2 (even input sizes). */
    private String conv(Blocks b, String name, String in, long out, int k, int stride, boolean depthwise) {
        String x = in;
        int pad = k / 2;
        if (tf && stride == 2) {
            x = b.zeroPad(name + ".pad", in, (k - 2) / 2, k / 2, (k - 2) / 2, k / 2);
            pad = 0;
        }
        return depthwise ? b.depthwiseConv(name, x, k, stride, pad, false) : b.conv(name, x, out, k, stride, pad, 1,
                false);
    }

    private String se(Blocks b, String p, String x, int in) {
        long c = b.channels(x);
        String s = b.globalAvgPool(p + ".pool", x);
        s = b.act(p + ".act1", b.conv(p + ".conv_reduce", s, Math.max(1, in / 4), 1, 1, 0, 1, true),
                Activation.SWISH);
        s = b.act(p + ".gate", b.conv(p + ".conv_expand", s, c, 1, 1, 0, 1, true), Activation.SIGMOID);
        return b.scale(p + ".mul", x, s);
    }

    @Override
    public List<String> build(Blocks b, String input, String p) {
        String x = conv(b, p + "conv_stem", input, ch(32), 3, 2, false);
        x = bn(b, p + "bn1", x, true);
        List<String> features = new ArrayList<>(tf ? List.of() : List.of(x));
        for (int s = 0; s < STAGES.length; s++) {
            int[] c = STAGES[s];
            int out = ch(c[4]);
            int repeats = (int) Math.ceil(depthMult * c[5]);
            for (int i = 0; i < repeats; i++) {
                String n = p + "blocks." + s + "." + i;
                int stride = i == 0 ? c[2] : 1;
                int in = (int) b.channels(x);
                String y;
                if (s == 0) {
                    y = bn(b, n + ".bn1", conv(b, n + ".conv_dw", x, 0, c[1], stride, true), true);
                    y = se(b, n + ".se", y, in);
                    y = bn(b, n + ".bn2", b.conv(n + ".conv_pw", y, out, 1, 1, 0, 1, false), false);
                } else {
                    int mid = EfficientNetEncoder.makeDivisible(in * (double) c[0]);
                    y = bn(b, n + ".bn1", b.conv(n + ".conv_pw", x, mid, 1, 1, 0, 1, false), true);
                    y = bn(b, n + ".bn2", conv(b, n + ".conv_dw", y, 0, c[1], stride, true), true);
                    y = se(b, n + ".se", y, in);
                    y = bn(b, n + ".bn3", b.conv(n + ".conv_pwl", y, out, 1, 1, 0, 1, false), false);
                }
                x = stride == 1 && in == out ? b.add(n + ".add", y, x) : y;
            }
            if ((tf ? TIMM_FEATURE_STAGES : FEATURE_STAGES).contains(s)) {
                features.add(x);
            }
        }
        features.add(x);
        return features;
    }
}
