package io.github.hubmapseg.models;

import java.util.List;

/**
 * A convolutional encoder (backbone) that adds its layers to a graph and exposes its multi-scale
 * features, like segmentation_models_pytorch encoders: features at strides 2, 4, 8, 16 and 32 (index 0
 * to 4) with {@link #stageChannels()} channels. Layer names follow the PyTorch (torchvision/timm/smp)
 * module names under the given prefix, so weights import by name.
 */
interface Encoder {
    /** @return the registry name, e.g. {@code resnext50_32x4d} */
    String name();

    /** @return channels of the features at strides 2, 4, 8, 16, 32 */
    List<Integer> stageChannels();

    /** @return the stride of the deepest feature (input sizes must be multiples of it) */
    default int outputStride() {
        return 1 << stageChannels().size();
    }

    /**
     * Adds the encoder's layers.
     *
     * @param b blocks of the graph under construction
     * @param input the input vertex (NHWC image)
     * @param prefix name prefix, e.g. {@code "encoder."} (empty for torchvision's own names)
     * @return the vertex names of the features at strides 2, 4, 8, 16, 32
     */
    List<String> build(Blocks b, String input, String prefix);

    /**
     * Top-level modules of the original PyTorch network that this encoder does not build (classifier
     * heads), e.g. {@code last_linear} or {@code features.8} and {@code classifier}: {@link TorchWeights}
     * skips their tensors instead of reporting them unused.
     *
     * @return module names, relative to the encoder (no prefix)
     */
    default List<String> unusedTorchModules() {
        return List.of();
    }

    /**
     * The modules of smp's stride-32 stage ({@code get_stages()[32]}), which smp's {@code make_dilated(16)} dilates
     * (PAN's default {@code encoder_output_stride=16}): e.g. {@code layer4}, or lukemelas EfficientNet's last
     * blocks. Empty when the encoder has no such variant here.
     *
     * @return module names, relative to the encoder (no prefix)
     */
    default List<String> lastStageModules() {
        return List.of();
    }
}
