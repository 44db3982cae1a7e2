package io.github.hubmapseg.models;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a model's first output holds at inference, recorded in its checkpoint's metadata under {@value #KEY}
 * ({@code "logits"} or {@code "sigmoid"}) so that a predictor need not inspect the output layer.
 */
public enum OutputActivation {
    /** Raw logits: the consumer applies the sigmoid (a default {@code CnnLossLayer}, identity activation). */
    LOGITS,
    /** Sigmoid probabilities in [0, 1] (e.g. the training pipeline's {@code SegLossLayer}). */
    SIGMOID;

    /** Metadata key of the value in a checkpoint. */
    public static final String KEY = "output_activation";

    /** @return the value written to the metadata ({@code logits} or {@code sigmoid}) */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The value recorded in checkpoint metadata.
     *
     * @param metadata a checkpoint's metadata
     * @return the recorded activation, or empty for a checkpoint written before the field existed
     * @throws IllegalArgumentException naming the value when it is neither {@code logits} nor {@code sigmoid}
     */
    public static Optional<OutputActivation> fromMetadata(Map<String, ?> metadata) {
        Object v = metadata.get(KEY);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof OutputActivation a) {
            return Optional.of(a);
        }
        for (OutputActivation a : values()) {
            if (a.key().equals(v)) {
                return Optional.of(a);
            }
        }
        String s = String.valueOf(v);
        throw new IllegalArgumentException("checkpoint metadata '" + KEY + "' must be 'logits' or 'sigmoid', got '"
                + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "'");
    }
}
