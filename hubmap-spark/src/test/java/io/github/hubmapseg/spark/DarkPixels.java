package io.github.hubmapseg.spark;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.pipeline.cohort.CohortPredictor;
import io.github.hubmapseg.pipeline.cohort.UnitOutputs;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.infer.Inference;
import java.util.List;

/**
 * A trivial, deterministic predictor for engine tests: p = clamp((level - mean(R, G, B)) / 64, 0, 1), dark
 * (stained) pixels high. Its source loads it as a {@link CohortPredictor} with a 64-pixel sliding window and hflip
 * TTA, so the engine's tiling, blending and RLE all run; no model, no native memory.
 */
final class DarkPixels implements Predictor {
    private final float level;
    private final int delayMillis;

    DarkPixels(float level, int delayMillis) {
        this.level = level;
        this.delayMillis = delayMillis;
    }

    @Override
    public int inputChannels() {
        return 3;
    }

    @Override
    public TileBatch predict(TileBatch t) {
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int hw = t.height() * t.width();
        float[] out = new float[t.size() * hw];
        float[] in = t.data();
        for (int n = 0; n < t.size(); n++) {
            int base = n * 3 * hw;
            for (int i = 0; i < hw; i++) {
                float mean = (in[base + i] + in[base + hw + i] + in[base + 2 * hw + i]) / 3f;
                out[n * hw + i] = Math.max(0f, Math.min(1f, (level - mean) / 64f));
            }
        }
        return new TileBatch(out, t.size(), 1, t.height(), t.width());
    }

    /**
     * The source: equal sources share an executor's loaded instances. {@code delayMillis} per batch stands in for
     * a real model's time (it does not change the output, so it is not part of the digest).
     */
    record Source(float level, int delayMillis) implements PredictorSource {
        private static final long serialVersionUID = 1L;

        @Override
        public CohortPredictor load() {
            Recipe.Infer infer = new Recipe.Infer(64, 1, 16, 16, "gaussian", List.of("hflip"), 0.5, false, "mean", 0,
                    0);
            return CohortPredictor.of(new Inference(infer, 0.5, null), List.of(new DarkPixels(level, delayMillis)),
                    "dark-pixels level " + level, UnitOutputs.NONE);
        }
    }
}
