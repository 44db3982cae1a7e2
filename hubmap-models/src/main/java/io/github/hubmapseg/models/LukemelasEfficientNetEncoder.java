package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.activations.Activation;

/**
 * smp's {@code efficientnet-b0 .. b7} encoders: lukemelas EfficientNet-PyTorch ({@code efficientnet_pytorch/model.py}
 * and {@code utils.py} at 7e8b0d3; smp's {@code encoders/efficientnet.py}), the port of TensorFlow's EfficientNet,
 * with its module names, without {@code _conv_head}, {@code _bn1} and {@code _fc}.
 *
 * <p>Where it differs from torchvision's network ({@link EfficientNetEncoder}, {@code tv-efficientnet-bN}):
 * <ul>
 *   <li>TF "same" padding, static: every convolution pads {@code max((ceil(i/s) - 1) s + k - i, 0)} in total, the
 *       smaller half on top/left ({@code Conv2dStaticSamePadding}), where {@code i} is the layer's input size for
 *       the model's nominal image size (b0..b7: 224, 240, 260, 300, 380, 456, 528, 600), not the actual input; an
 *       uneven padding is a zero-padding layer ({@code NAME.pad}) before the unpadded convolution;</li>
 *   <li>batch norm eps 1e-3, momentum 0.01 (TF's 0.99) in every variant;</li>
 *   <li>expanded channels {@code in * expand} (not rounded); squeeze-and-excitation {@code max(1, int(in * 0.25))}
 *       hidden units;</li>
 *   <li>names: {@code _conv_stem}, {@code _bn0}, {@code _blocks.N._expand_conv/_bn0/_depthwise_conv/_bn1/
 *       _se_reduce/_se_expand/_project_conv/_bn2} with N counting all blocks;</li>
 *   <li>features as smp takes them: the stem output (stride 2), then the outputs of blocks
 *       {@code stage_idxs[0..2] - 1} and of the last block (smp's {@code stage_idxs}, b0: 3, 5, 9, 16; the stride-16
 *       feature is the first block of the 112-channel stage, as smp has it).</li>
 * </ul>
 * Swish is DL4J's {@link Activation#SWISH}. Drop-connect is the identity (as at inference; not applied in
 * training here).
 *
 * @param name registry name, {@code efficientnet-bN}
 * @param widthMult channel multiplier
 * @param depthMult repeat multiplier
 * @param imageSize the nominal image size the static padding is computed for
 * @param stageIdxs smp's {@code stage_idxs}
 * @param channels smp's {@code out_channels} without the input's (strides 2..32)
 */
public record LukemelasEfficientNetEncoder(String name, double widthMult, double depthMult, int imageSize,
        List<Integer> stageIdxs, List<Integer> channels) implements Encoder {

    /** The B0 table (utils.efficientnet's blocks_args): expand ratio, kernel, stride, in, out, repeats. */
    private static final int[][] B0 = {
        {1, 3, 1, 32, 16, 1}, {6, 3, 2, 16, 24, 2}, {6, 5, 2, 24, 40, 2}, {6, 3, 2, 40, 80, 3},
        {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1}};
    private static final double BN_EPS = 1e-3;
    private static final double BN_MOMENTUM = 0.01;

    /** Copies the lists. */
    public LukemelasEfficientNetEncoder {
        stageIdxs = List.copyOf(stageIdxs);
        channels = List.copyOf(channels);
    }

    /**
     * smp's {@code efficientnet-bN}.
     *
     * @param n 0..7
     * @return the encoder
     */
    public static LukemelasEfficientNetEncoder b(int n) {
        // efficientnet_params: width, depth, resolution; smp's stage_idxs and out_channels
        double[][] wd = {{1.0, 1.0}, {1.0, 1.1}, {1.1, 1.2}, {1.2, 1.4}, {1.4, 1.8}, {1.6, 2.2}, {1.8, 2.6},
            {2.0, 3.1}};
        int[] res = {224, 240, 260, 300, 380, 456, 528, 600};
        int[][] idx = {{3, 5, 9, 16}, {5, 8, 16, 23}, {5, 8, 16, 23}, {5, 8, 18, 26}, {6, 10, 22, 32},
            {8, 13, 27, 39}, {9, 15, 31, 45}, {11, 18, 38, 55}};
        int[][] ch = {{32, 24, 40, 112, 320}, {32, 24, 40, 112, 320}, {32, 24, 48, 120, 352}, {40, 32, 48, 136, 384},
            {48, 32, 56, 160, 448}, {48, 40, 64, 176, 512}, {56, 40, 72, 200, 576}, {64, 48, 80, 224, 640}};
        if (n < 0 || n > 7) {
            throw new IllegalArgumentException("EfficientNet variant must be 0..7, got " + n);
        }
        return new LukemelasEfficientNetEncoder("efficientnet-b" + n, wd[n][0], wd[n][1], res[n],
                java.util.Arrays.stream(idx[n]).boxed().toList(), java.util.Arrays.stream(ch[n]).boxed().toList());
    }

    @Override
    public List<String> lastStageModules() {
        // smp's get_stages()[32]: _blocks[_out_indexes[2] + 1:], the blocks after the stride-16 feature
        List<String> out = new ArrayList<>();
        for (int i = stageIdxs.get(2); i < stageIdxs.get(3); i++) {
            out.add("_blocks." + i);
        }
        return out;
    }

    @Override
    public List<Integer> stageChannels() {
        return channels;
    }

    @Override
    public List<String> unusedTorchModules() {
        return List.of("_conv_head", "_bn1", "_fc");
    }

    private int ch(int c) {
        return EfficientNetEncoder.makeDivisible(c * widthMult); // round_filters: the same rule, divisor 8
    }

    /** The total padding of TF "same" for input size {@code i}. */
    static int samePadding(int i, int k, int s) {
        int o = (i + s - 1) / s;
        return Math.max((o - 1) * s + k - i, 0);
    }

    /** A convolution with lukemelas's static "same" padding for nominal input size {@code size}. */
    private static String sameConv(Blocks b, String name, String in, long out, int k, int s, int size,
            boolean depthwise, boolean bias) {
        int pad = samePadding(size, k, s);
        int top = pad / 2;
        String x = in;
        int sym = top;
        if (pad - top != top) {
            x = b.zeroPad(name + ".pad", in, top, pad - top, top, pad - top);
            sym = 0;
        }
        return depthwise ? b.depthwiseConv(name, x, k, s, sym, bias) : b.conv(name, x, out, k, s, sym, 1, bias);
    }

    @Override
    public List<String> build(Blocks b, String input, String p) {
        int size = imageSize;
        String x = sameConv(b, p + "_conv_stem", input, ch(32), 3, 2, size, false, false);
        size = (size + 1) / 2;
        x = b.act(p + "_bn0.swish", b.bn(p + "_bn0", x, BN_EPS, BN_MOMENTUM), Activation.SWISH);
        List<String> features = new ArrayList<>(List.of(x));
        int block = 0;
        for (int[] c : B0) {
            int in = ch(c[3]);
            int out = ch(c[4]);
            int repeats = (int) Math.ceil(depthMult * c[5]);
            for (int i = 0; i < repeats; i++) {
                int stride = i == 0 ? c[2] : 1;
                x = mbConv(b, p + "_blocks." + block, x, c[0], c[1], stride, i == 0 ? in : out, out, size);
                size = (size + stride - 1) / stride;
                block++;
                if (features.size() < 4 && block == stageIdxs.get(features.size() - 1)) {
                    features.add(x);
                }
            }
        }
        if (block != stageIdxs.get(3) || features.size() != 4) {
            throw new IllegalStateException(name + ": " + block + " blocks, smp's stage_idxs " + stageIdxs);
        }
        features.add(x);
        return features;
    }

    private static String mbConv(Blocks b, String n, String input, int expand, int k, int stride, int in, int out,
            int size) {
        String x = input;
        int oup = in * expand;
        if (expand != 1) {
            x = b.conv(n + "._expand_conv", x, oup, 1, 1, 0, 1, false);
            x = b.act(n + "._bn0.swish", b.bn(n + "._bn0", x, BN_EPS, BN_MOMENTUM), Activation.SWISH);
        }
        x = sameConv(b, n + "._depthwise_conv", x, oup, k, stride, size, true, false);
        x = b.act(n + "._bn1.swish", b.bn(n + "._bn1", x, BN_EPS, BN_MOMENTUM), Activation.SWISH);
        String s = b.globalAvgPool(n + ".se_pool", x);
        s = b.act(n + "._se_reduce.swish", b.conv(n + "._se_reduce", s, Math.max(1, (int) (in * 0.25)), 1, 1, 0, 1,
                true), Activation.SWISH);
        s = b.act(n + "._se_expand.sigmoid", b.conv(n + "._se_expand", s, oup, 1, 1, 0, 1, true), Activation.SIGMOID);
        x = b.scale(n + ".se_mul", x, s);
        x = b.bn(n + "._bn2", b.conv(n + "._project_conv", x, out, 1, 1, 0, 1, false), BN_EPS, BN_MOMENTUM);
        if (stride == 1 && in == out) {
            x = b.add(n + ".add", x, input);
        }
        return x;
    }
}
