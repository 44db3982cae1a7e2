package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.List;

/**
 * A small plain encoder for tests, benchmarks and CPU-only experiments: five stages, each a stride-2
 * 3x3 conv-BN-ReLU followed by a 3x3 conv-BN-ReLU. PyTorch names: {@code stages.S.0.0} (conv),
 * {@code stages.S.0.1} (bn), {@code stages.S.1.0}, {@code stages.S.1.1}
 * (the PyTorch mirror is {@code TinyEncoder} in {@code src/test/python/hubmap_models_ref.py}).
 *
 * @param name registry name
 * @param channels channels of the five stages
 */
record TinyEncoder(String name, List<Integer> channels) implements Encoder {

    /** @return the default tiny encoder (8, 16, 24, 32, 48 channels; 64,088 parameters) */
    public static TinyEncoder tiny() {
        return new TinyEncoder("tiny", List.of(8, 16, 24, 32, 48));
    }

    /** Validates the fields. */
    public TinyEncoder {
        if (channels.size() != 5) {
            throw new IllegalArgumentException("channels must list 5 stages, got " + channels);
        }
        channels = List.copyOf(channels);
    }

    @Override
    public List<Integer> stageChannels() {
        return channels;
    }

    @Override
    public List<String> build(Blocks b, String input, String p) {
        List<String> features = new ArrayList<>();
        String x = input;
        for (int s = 0; s < channels.size(); s++) {
            x = b.convBnRelu(p + "stages." + s + ".0", x, channels.get(s), 3, 2, 1);
            x = b.convBnRelu(p + "stages." + s + ".1", x, channels.get(s), 3, 1, 1);
            features.add(x);
        }
        return features;
    }
}
