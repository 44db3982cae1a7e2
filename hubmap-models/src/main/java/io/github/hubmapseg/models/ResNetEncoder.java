package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.List;

/**
 * torchvision's ResNet / ResNeXt without the classifier ({@code avgpool}, {@code fc}), with its module
 * names ({@code conv1, bn1, layer1.0.conv1, ..., layerN.M.downsample.0/1}). Features: stride 2 = ReLU
 * after {@code bn1}; strides 4-32 = outputs of {@code layer1..layer4}. Grouped 3x3 convolutions
 * (ResNeXt) are real grouped convolutions ({@link GroupedConvolutionLayer}).
 *
 * @param name registry name
 * @param bottleneck Bottleneck blocks (expansion 4) or BasicBlocks (expansion 1)
 * @param layers number of blocks per stage
 * @param groups cardinality of the 3x3 convolutions
 * @param widthPerGroup torchvision's {@code width_per_group}
 */
record ResNetEncoder(String name, boolean bottleneck, List<Integer> layers, int groups, int widthPerGroup)
        implements Encoder {

    /** @return torchvision resnet34 */
    public static ResNetEncoder resnet34() {
        return new ResNetEncoder("resnet34", false, List.of(3, 4, 6, 3), 1, 64);
    }

    /** @return torchvision resnet50 */
    public static ResNetEncoder resnet50() {
        return new ResNetEncoder("resnet50", true, List.of(3, 4, 6, 3), 1, 64);
    }

    /** @return torchvision resnext50_32x4d */
    public static ResNetEncoder resnext50() {
        return new ResNetEncoder("resnext50_32x4d", true, List.of(3, 4, 6, 3), 32, 4);
    }

    /** @return resnext101_32x4d (torchvision layout, as in smp / timm) */
    public static ResNetEncoder resnext101() {
        return new ResNetEncoder("resnext101_32x4d", true, List.of(3, 4, 23, 3), 32, 4);
    }

    /** Validates the fields. */
    public ResNetEncoder {
        if (layers.size() != 4) {
            throw new IllegalArgumentException("layers must have 4 stages, got " + layers);
        }
        layers = List.copyOf(layers);
    }

    private int expansion() {
        return bottleneck ? 4 : 1;
    }

    @Override
    public List<String> lastStageModules() {
        return List.of("layer4"); // smp's get_stages()[32]
    }

    @Override
    public List<Integer> stageChannels() {
        int e = expansion();
        return List.of(64, 64 * e, 128 * e, 256 * e, 512 * e);
    }

    @Override
    public List<String> build(Blocks b, String input, String p) {
        List<String> features = new ArrayList<>();
        String x = b.conv(p + "conv1", input, 64, 7, 2, 3, 1, false);
        x = b.bn(p + "bn1", x);
        x = b.relu(p + "relu", x);
        features.add(x);
        x = b.maxPool(p + "maxpool", x, 3, 2, 1);
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
        long outC = (long) planes * expansion();
        String x;
        if (bottleneck) {
            long width = (long) (planes * (widthPerGroup / 64.0)) * groups;
            x = b.relu(n + ".relu1", b.bn(n + ".bn1", b.conv(n + ".conv1", in, width, 1, 1, 0, 1, false)));
            x = b.relu(n + ".relu2", b.bn(n + ".bn2", b.conv(n + ".conv2", x, width, 3, stride, 1, groups, false)));
            x = b.bn(n + ".bn3", b.conv(n + ".conv3", x, outC, 1, 1, 0, 1, false));
        } else {
            x = b.relu(n + ".relu1", b.bn(n + ".bn1", b.conv(n + ".conv1", in, planes, 3, stride, 1, 1, false)));
            x = b.bn(n + ".bn2", b.conv(n + ".conv2", x, planes, 3, 1, 1, 1, false));
        }
        String shortcut = in;
        if (stride != 1 || inC != outC) {
            shortcut = b.bn(n + ".downsample.1", b.conv(n + ".downsample.0", in, outC, 1, stride, 0, 1, false));
        }
        return b.relu(n + ".relu", b.add(n + ".add", x, shortcut));
    }
}
