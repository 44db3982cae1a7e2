package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.activations.Activation;

/**
 * SE-ResNeXt (Hu et al., squeeze-and-excitation networks) with the layout and module names of Cadene's
 * {@code pretrainedmodels.senet} as used by segmentation_models_pytorch ({@code se_resnext50_32x4d},
 * {@code se_resnext101_32x4d}; the 1st place of HuBMAP used the latter). Without the classifier
 * ({@code avg_pool}, {@code last_linear}).
 *
 * <p>Layout: {@code layer0.conv1} (7x7, stride 2, padding 3, no bias), {@code layer0.bn1},
 * {@code layer0.relu1}, {@code layer0.pool} = {@code MaxPool2d(3, 2, ceil_mode=True)}, reproduced
 * exactly by zero padding one row/column at the bottom/right ({@code layer0.pool_pad}; the input is a ReLU
 * output, so zeros never win over the -inf PyTorch would use, and for every input size the output size
 * equals ceil mode's). Then {@code layer1..layer4} of SE-ResNeXt bottlenecks {@code layerN.M}:
 * {@code conv1/bn1} (1x1), {@code conv2/bn2} (3x3 grouped, stride on conv2), {@code conv3/bn3} (1x1),
 * {@code se_module.fc1/fc2} (1x1 convs with bias: global average pool, fc1, ReLU, fc2, sigmoid, channel
 * product), plus {@code downsample.0/1} (1x1 conv without padding + BN) on the first block of each stage;
 * {@code out = relu(se(bn3(...)) + shortcut)}. Width of the grouped conv:
 * {@code floor(planes * baseWidth / 64) * groups}. Grouped convolutions are real grouped convolutions
 * ({@link GroupedConvolutionLayer}).
 *
 * <p>Features (as smp's SENet encoders): stride 2 = {@code layer0.relu1} (before the pool), strides 4-32 =
 * outputs of {@code layer1..layer4}.
 *
 * @param name registry name
 * @param layers blocks per stage (4 stages)
 * @param groups cardinality of the 3x3 convolutions
 * @param baseWidth pretrainedmodels' {@code base_width}
 * @param reduction squeeze-and-excitation reduction ({@code channels / reduction} hidden units)
 * @param timmStem timm's {@code seresnextNN_32x4d} stem instead of Cadene's: {@code MaxPool2d(3, 2, padding=1)}
 *     (floor mode) where Cadene has {@code MaxPool2d(3, 2, ceil_mode=True)}; everything else is the same network
 *     (timm names it {@code conv1}, {@code bn1}, {@code layerN.M.se.fc1}, renamed on import by
 *     {@link WeightLayout#TIMM})
 */
record SeResNeXtEncoder(String name, List<Integer> layers, int groups, int baseWidth, int reduction,
        boolean timmStem) implements Encoder {

    /** Cadene's stem. */
    public SeResNeXtEncoder(String name, List<Integer> layers, int groups, int baseWidth, int reduction) {
        this(name, layers, groups, baseWidth, reduction, false);
    }

    /** @return timm's {@code seresnext50_32x4d} (the pad-1 stem pool; fb/swsl weights, timm's own training) */
    public static SeResNeXtEncoder timmSeresnext50() {
        return new SeResNeXtEncoder("seresnext50_32x4d", List.of(3, 4, 6, 3), 32, 4, 16, true);
    }

    /** @return timm's {@code seresnext101_32x4d} */
    public static SeResNeXtEncoder timmSeresnext101() {
        return new SeResNeXtEncoder("seresnext101_32x4d", List.of(3, 4, 23, 3), 32, 4, 16, true);
    }

    /** @return {@code pretrainedmodels.se_resnext50_32x4d} */
    public static SeResNeXtEncoder seResnext50() {
        return new SeResNeXtEncoder("se_resnext50_32x4d", List.of(3, 4, 6, 3), 32, 4, 16);
    }

    /** @return {@code pretrainedmodels.se_resnext101_32x4d} */
    public static SeResNeXtEncoder seResnext101() {
        return new SeResNeXtEncoder("se_resnext101_32x4d", List.of(3, 4, 23, 3), 32, 4, 16);
    }

    /** Validates the fields. */
    public SeResNeXtEncoder {
        if (layers.size() != 4 || layers.stream().anyMatch(n -> n < 1)) {
            throw new IllegalArgumentException("layers must be 4 positive block counts, got " + layers);
        }
        if (groups < 1 || baseWidth < 1 || reduction < 1) {
            throw new IllegalArgumentException("groups, baseWidth and reduction must be >= 1, got " + groups + ", "
                    + baseWidth + ", " + reduction);
        }
        layers = List.copyOf(layers);
    }

    @Override
    public List<String> lastStageModules() {
        return List.of("layer4"); // smp's get_stages()[32]
    }

    @Override
    public List<Integer> stageChannels() {
        return List.of(64, 256, 512, 1024, 2048);
    }

    @Override
    public List<String> unusedTorchModules() {
        return timmStem ? List.of("fc") : List.of("last_linear");
    }

    @Override
    public List<String> build(Blocks b, String input, String p) {
        List<String> features = new ArrayList<>();
        String x = b.conv(p + "layer0.conv1", input, 64, 7, 2, 3, 1, false);
        x = b.relu(p + "layer0.relu1", b.bn(p + "layer0.bn1", x));
        features.add(x);
        x = timmStem ? b.maxPool(p + "layer0.pool", x, 3, 2, 1)
                : b.maxPool(p + "layer0.pool", b.zeroPad(p + "layer0.pool_pad", x, 0, 1, 0, 1), 3, 2, 0);
        int[] planes = {64, 128, 256, 512};
        for (int s = 0; s < 4; s++) {
            for (int i = 0; i < layers.get(s); i++) {
                int stride = (s > 0 && i == 0) ? 2 : 1;
                x = block(b, p + "layer" + (s + 1) + "." + i, x, planes[s], stride);
            }
            features.add(x);
        }
        return features;
    }

    private String block(Blocks b, String n, String in, int planes, int stride) {
        long inC = b.channels(in);
        long outC = planes * 4L;
        long width = (long) Math.floor(planes * (baseWidth / 64.0)) * groups;
        String x = b.relu(n + ".relu1", b.bn(n + ".bn1", b.conv(n + ".conv1", in, width, 1, 1, 0, 1, false)));
        x = b.relu(n + ".relu2", b.bn(n + ".bn2", b.conv(n + ".conv2", x, width, 3, stride, 1, groups, false)));
        x = b.bn(n + ".bn3", b.conv(n + ".conv3", x, outC, 1, 1, 0, 1, false));
        x = squeezeExcite(b, n + ".se_module", x, outC / reduction, Activation.RELU);
        String shortcut = in;
        if (stride != 1 || inC != outC) {
            shortcut = b.bn(n + ".downsample.1", b.conv(n + ".downsample.0", in, outC, 1, stride, 0, 1, false));
        }
        return b.relu(n + ".relu", b.add(n + ".add", x, shortcut));
    }

    /**
     * Squeeze-and-excitation: {@code x * sigmoid(fc2(act(fc1(avgpool(x)))))} with {@code fc1/fc2} 1x1
     * convolutions with bias (pretrainedmodels' {@code SEModule}, torchvision's {@code SqueezeExcitation}).
     *
     * @param b blocks
     * @param n module name
     * @param x input vertex
     * @param hidden channels of fc1
     * @param act activation between fc1 and fc2
     * @return the gated vertex
     */
    static String squeezeExcite(Blocks b, String n, String x, long hidden, Activation act) {
        String s = b.globalAvgPool(n + ".avg_pool", x);
        s = b.act(n + ".act", b.conv(n + ".fc1", s, hidden, 1, 1, 0, 1, true), act);
        s = b.act(n + ".sigmoid", b.conv(n + ".fc2", s, b.channels(x), 1, 1, 0, 1, true), Activation.SIGMOID);
        return b.scale(n + ".scale", x, s);
    }
}
