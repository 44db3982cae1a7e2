package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.activations.Activation;

/**
 * EfficientNet-B0..B7 (Tan &amp; Le 2019) with the layout and module names of torchvision 0.14's
 * {@code efficientnet_b0 .. efficientnet_b7} {@code features}, without the head convolution
 * {@code features.8} and the classifier.
 *
 * <p>Layout: {@code features.0} = 3x3 stride-2 conv ({@code features.0.0}, no bias), BN ({@code .1}),
 * SiLU ({@code .2}); {@code features.1 .. features.7} = the seven MBConv stages of the B0 table
 * (expand ratio, kernel, stride, in, out, repeats): (1,3,1,32,16,1), (6,3,2,16,24,2), (6,5,2,24,40,2),
 * (6,3,2,40,80,3), (6,5,1,80,112,3), (6,5,2,112,192,4), (6,3,1,192,320,1), channels scaled by
 * {@code widthMult} with torchvision's {@code _make_divisible(c * widthMult, 8)} and repeats by
 * {@code ceil(n * depthMult)}. Block {@code features.S.I.block}: {@code .0} expand 1x1 conv/BN/SiLU (absent
 * when the expand ratio is 1), then the depthwise kxk conv/BN/SiLU (stride on the first block of a stage,
 * padding {@code (k-1)/2}), then squeeze-and-excitation {@code fc1/fc2} (1x1 convs with bias,
 * {@code max(1, in/4)} hidden units, SiLU, sigmoid), then the 1x1 projection conv/BN without activation;
 * residual sum when stride is 1 and in equals out. SiLU is DL4J's {@link Activation#SWISH}. Depthwise
 * convolutions are DL4J depthwise convolutions ({@link Blocks#depthwiseConv}). Batch norm: eps 1e-5,
 * momentum 0.1 for B0..B4; eps 1e-3, momentum 0.01 for B5..B7 (as torchvision sets them). Stochastic depth
 * is the identity (it is at inference; this implementation does not drop blocks in training either).
 *
 * <p>Features at strides 2, 4, 8, 16, 32 = the ends of the last stage at each stride: torchvision's
 * {@code features.1}, {@code features.2}, {@code features.3}, {@code features.5}, {@code features.7}
 * (timm's {@code features_only} convention; B0: 16, 24, 40, 112, 320 channels). smp's
 * {@code efficientnet-b0} is another network ({@link LukemelasEfficientNetEncoder}: TF "same" padding, other batch-norm
 * constants), and takes the stem output (32 channels) at stride 2.
 *
 * <p>Weights: torchvision's {@code efficientnet_b0().state_dict()} imports with prefix {@code ""} into
 * {@link Models#encoderOnly(String, int)} and with {@code "encoder."} into a U-Net ({@code features.8.*}
 * and {@code classifier.*} are skipped, see {@link #unusedTorchModules()}).
 *
 * @param name registry name, e.g. {@code tv-efficientnet-b0} (named {@code efficientnet-b0} before smp's
 *     lukemelas EfficientNet took that name; checkpoints recording the old name still load, their graph is stored)
 * @param widthMult channel multiplier
 * @param depthMult repeat multiplier
 * @param bnEps batch-norm epsilon
 * @param bnMomentum batch-norm momentum (PyTorch's convention)
 */
record EfficientNetEncoder(String name, double widthMult, double depthMult, double bnEps, double bnMomentum)
        implements Encoder {

    /** The B0 table: expand ratio, kernel, stride, in, out, repeats. */
    private static final int[][] B0 = {
        {1, 3, 1, 32, 16, 1}, {6, 3, 2, 16, 24, 2}, {6, 5, 2, 24, 40, 2}, {6, 3, 2, 40, 80, 3},
        {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1}};

    /** {@code features.i} (1-based stage index) whose outputs are the features at strides 2..32. */
    private static final int[] FEATURE_STAGES = {1, 2, 3, 5, 7};

    /** Validates the fields. */
    public EfficientNetEncoder {
        if (!(widthMult > 0) || !(depthMult > 0)) {
            throw new IllegalArgumentException("widthMult and depthMult must be > 0, got " + widthMult + ", "
                    + depthMult);
        }
    }

    /**
     * torchvision's {@code efficientnet_bN}.
     *
     * @param n 0..7
     * @return the encoder, registry name {@code tv-efficientnet-bN}
     */
    public static EfficientNetEncoder b(int n) {
        double[][] wd = {{1.0, 1.0}, {1.0, 1.1}, {1.1, 1.2}, {1.2, 1.4}, {1.4, 1.8}, {1.6, 2.2}, {1.8, 2.6},
            {2.0, 3.1}};
        if (n < 0 || n > 7) {
            throw new IllegalArgumentException("EfficientNet variant must be 0..7, got " + n);
        }
        boolean tf = n >= 5;
        return new EfficientNetEncoder("tv-efficientnet-b" + n, wd[n][0], wd[n][1], tf ? 1e-3 : 1e-5, tf ? 0.01 : 0.1);
    }

    /**
     * torchvision's {@code _make_divisible(v, 8)}: the nearest multiple of 8 (at least 8), raised by 8 if
     * that is more than 10% below {@code v}.
     *
     * @param v a channel count times a multiplier
     * @return the rounded channel count
     */
    static int makeDivisible(double v) {
        int d = 8;
        int nv = Math.max(d, (int) (v + d / 2.0) / d * d);
        if (nv < 0.9 * v) {
            nv += d;
        }
        return nv;
    }

    private int ch(int c) {
        return makeDivisible(c * widthMult);
    }

    private int repeats(int n) {
        return (int) Math.ceil(n * depthMult);
    }

    @Override
    public List<Integer> stageChannels() {
        List<Integer> c = new ArrayList<>();
        for (int s : FEATURE_STAGES) {
            c.add(ch(B0[s - 1][4]));
        }
        return c;
    }

    @Override
    public List<String> unusedTorchModules() {
        return List.of("features.8", "classifier");
    }

    @Override
    public List<String> build(Blocks b, String input, String p) {
        String x = b.conv(p + "features.0.0", input, ch(B0[0][3]), 3, 2, 1, 1, false);
        x = b.act(p + "features.0.2", bn(b, p + "features.0.1", x), Activation.SWISH);
        List<String> features = new ArrayList<>();
        int f = 0;
        for (int s = 0; s < B0.length; s++) {
            int[] c = B0[s];
            int out = ch(c[4]);
            for (int i = 0; i < repeats(c[5]); i++) {
                x = mbConv(b, p + "features." + (s + 1) + "." + i, x, c[0], c[1], i == 0 ? c[2] : 1, out);
            }
            if (FEATURE_STAGES[f] == s + 1) {
                features.add(x);
                f++;
            }
        }
        return features;
    }

    private String bn(Blocks b, String name, String in) {
        return b.bn(name, in, bnEps, bnMomentum);
    }

    private String mbConv(Blocks b, String n, String in, int expand, int k, int stride, int out) {
        long inC = b.channels(in);
        int expanded = makeDivisible(inC * (double) expand);
        String x = in;
        int j = 0;
        if (expanded != inC) {
            String m = n + ".block." + j++;
            x = b.conv(m + ".0", x, expanded, 1, 1, 0, 1, false);
            x = b.act(m + ".2", bn(b, m + ".1", x), Activation.SWISH);
        }
        String m = n + ".block." + j++;
        x = b.depthwiseConv(m + ".0", x, k, stride, (k - 1) / 2, false);
        x = b.act(m + ".2", bn(b, m + ".1", x), Activation.SWISH);
        m = n + ".block." + j++;
        String s = b.globalAvgPool(m + ".avgpool", x);
        s = b.act(m + ".activation", b.conv(m + ".fc1", s, Math.max(1, inC / 4), 1, 1, 0, 1, true),
                Activation.SWISH);
        s = b.act(m + ".scale_activation", b.conv(m + ".fc2", s, expanded, 1, 1, 0, 1, true), Activation.SIGMOID);
        x = b.scale(m + ".mul", x, s);
        m = n + ".block." + j;
        x = bn(b, m + ".1", b.conv(m + ".0", x, out, 1, 1, 0, 1, false));
        if (stride == 1 && inC == out) {
            x = b.add(n + ".add", x, in);
        }
        return x;
    }
}
