package io.github.hubmapseg.models;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The registry of encoders by name: {@code Encoders.create("resnext50_32x4d")}. smp's encoder names mean smp's
 * encoders: {@code efficientnet-bN} is smp's (lukemelas EfficientNet-PyTorch, {@link LukemelasEfficientNetEncoder}),
 * {@code timm-efficientnet-bN} smp's timm network ({@link TimmEfficientNetEncoder}), {@code tf_efficientnet_bN}
 * timm's own network of the same weights (TF "same" padding, eps 1e-3);
 * torchvision's EfficientNet is {@code tv-efficientnet-bN} ({@link EfficientNetEncoder}).
 */
public final class Encoders {
    private static final Map<String, Supplier<Encoder>> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("tiny", TinyEncoder::tiny);
        REGISTRY.put("resnet34", ResNetEncoder::resnet34);
        REGISTRY.put("resnet50", ResNetEncoder::resnet50);
        REGISTRY.put("resnext50_32x4d", ResNetEncoder::resnext50);
        REGISTRY.put("resnext101_32x4d", ResNetEncoder::resnext101);
        REGISTRY.put("se_resnext50_32x4d", SeResNeXtEncoder::seResnext50);
        REGISTRY.put("se_resnext101_32x4d", SeResNeXtEncoder::seResnext101);
        REGISTRY.put("seresnext50_32x4d", SeResNeXtEncoder::timmSeresnext50);
        REGISTRY.put("seresnext101_32x4d", SeResNeXtEncoder::timmSeresnext101);
        for (int i = 0; i <= 7; i++) {
            int n = i;
            REGISTRY.put("efficientnet-b" + n, () -> LukemelasEfficientNetEncoder.b(n));
        }
        for (int i = 0; i <= 7; i++) {
            int n = i;
            REGISTRY.put("timm-efficientnet-b" + n, () -> TimmEfficientNetEncoder.b(n));
        }
        for (int i = 0; i <= 7; i++) {
            int n = i;
            REGISTRY.put("tv-efficientnet-b" + n, () -> EfficientNetEncoder.b(n));
        }
        for (int i = 0; i <= 7; i++) {
            int n = i;
            REGISTRY.put("tf_efficientnet_b" + n, () -> TimmEfficientNetEncoder.tf(n));
        }
    }

    private Encoders() {
    }

    /** @return the valid encoder names, in registry order */
    public static Set<String> names() {
        return java.util.Collections.unmodifiableSet(REGISTRY.keySet());
    }

    /**
     * @param name an encoder name ({@code efficientnet_bN}, torchvision's spelling, is accepted for
     *     {@code tv-efficientnet-bN})
     * @return a new encoder description
     * @throws IllegalArgumentException naming the valid names if {@code name} is unknown
     */
    public static Encoder create(String name) {
        Supplier<Encoder> s = REGISTRY.get(name);
        if (s == null && name != null && name.startsWith("efficientnet_b")) {
            s = REGISTRY.get("tv-efficientnet-b" + name.substring("efficientnet_b".length())); // torchvision spelling
        }
        if (s == null) {
            throw new IllegalArgumentException("unknown encoder '" + name + "'; valid encoders: "
                    + String.join(", ", REGISTRY.keySet()));
        }
        return s.get();
    }

    /**
     * Whether a file detected as fitting encoder {@code detected} also fits {@code requested}: the same encoder, or
     * timm's {@code tf_efficientnet_bN} for smp's {@code timm-efficientnet-bN} (the same tensor names and shapes;
     * detection names smp's network, as smp loads those weights into it).
     *
     * @param detected the encoder detection found
     * @param requested the encoder asked for
     * @return whether the weights fit both
     */
    static boolean sameParameters(String detected, String requested) {
        return detected.equals(requested) || (detected.matches("timm-efficientnet-b[0-7]")
                && requested.equals("tf_efficientnet_b" + detected.substring(detected.length() - 1)));
    }

    /**
     * The current name of a recorded encoder: checkpoints written before smp's lukemelas EfficientNet took the names
     * {@code efficientnet-bN} record the torchvision network under that name; their graph (stored whole) has
     * torchvision's layers ({@code encoder.features.0.0}), and such a model is named {@code tv-efficientnet-bN}.
     *
     * @param recorded the encoder name a checkpoint records
     * @param graph its graph
     * @return the name it has now
     */
    static String recordedName(String recorded, org.deeplearning4j.nn.graph.ComputationGraph graph) {
        if (recorded != null && recorded.matches("efficientnet-b[0-7]") && graph != null
                && (graph.getConfiguration().getVertices().containsKey("encoder.features.0.0")
                || graph.getConfiguration().getVertices().containsKey("features.0.0"))) {
            return "tv-" + recorded;
        }
        return recorded;
    }
}
