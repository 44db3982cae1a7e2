package io.github.hubmapseg.models;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** The registry of encoders by name: {@code Encoders.create("resnext50_32x4d")}. */
final class Encoders {
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
            REGISTRY.put("efficientnet-b" + n, () -> EfficientNetEncoder.b(n));
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
     *     {@code efficientnet-bN})
     * @return a new encoder description
     * @throws IllegalArgumentException naming the valid names if {@code name} is unknown
     */
    public static Encoder create(String name) {
        Supplier<Encoder> s = REGISTRY.get(name);
        if (s == null && name != null && name.startsWith("efficientnet_b")) {
            s = REGISTRY.get("efficientnet-b" + name.substring("efficientnet_b".length())); // torchvision spelling
        }
        if (s == null) {
            throw new IllegalArgumentException("unknown encoder '" + name + "'; valid encoders: "
                    + String.join(", ", REGISTRY.keySet()));
        }
        return s.get();
    }
}
