package io.github.hubmapseg.tiling.post;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.tiling.sample.SaturationFilter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The empty-window pre-filter: only tissue windows reach the model, the others are exactly 0, and they are counted. */
class EmptyTileSkippingTest {

    /** Returns {@code x / 255 - 0.5} of channel 0 (as logits or probabilities) and records what it was given. */
    static final class Recording implements Predictor {
        final boolean logits;
        final List<float[]> seen = new ArrayList<>();

        Recording(boolean logits) {
            this.logits = logits;
        }

        @Override
        public int inputChannels() {
            return 3;
        }

        @Override
        public boolean outputsLogits() {
            return logits;
        }

        @Override
        public TileBatch predict(TileBatch t) {
            int plane = t.height() * t.width();
            float[] o = new float[t.size() * plane];
            for (int i = 0; i < t.size(); i++) {
                seen.add(java.util.Arrays.copyOfRange(t.data(), i * t.tileLength(), (i + 1) * t.tileLength()));
                for (int k = 0; k < plane; k++) {
                    o[i * plane + k] = t.data()[i * t.tileLength() + k] / 255f - 0.5f;
                }
            }
            return new TileBatch(o, t.size(), 1, t.height(), t.width());
        }
    }

    /** A 256 x 256 window: white, with {@code pink} pixels of stained tissue. */
    static void window(float[] d, int i, int pink) {
        int plane = 256 * 256;
        for (int k = 0; k < plane; k++) {
            boolean t = k < pink;
            d[i * 3 * plane + k] = t ? 230 : 255;
            d[i * 3 * plane + plane + k] = t ? 120 : 255;
            d[i * 3 * plane + 2 * plane + k] = t ? 180 : 255;
        }
    }

    @Test
    void emptyWindowsAreZeroWithoutAModelCallAndCounted() {
        for (boolean logits : new boolean[] {false, true}) {
            Recording model = new Recording(logits);
            EmptyTileSkipping f = new EmptyTileSkipping(model, 40);
            int plane = 256 * 256;
            float[] d = new float[4 * 3 * plane];
            window(d, 0, 0);        // white
            window(d, 1, 5000);     // tissue
            window(d, 2, 1000);     // exactly 1000 pink pixels: not more than 1000
            window(d, 3, 1001);     // one more: kept
            assertThat(SaturationFilter.minPixels(256)).isEqualTo(1000.0);
            TileBatch out = f.predict(new TileBatch(d, 4, 3, 256, 256));
            assertThat(model.seen).hasSize(2);
            assertThat(model.seen.get(0)).isEqualTo(java.util.Arrays.copyOfRange(d, 3 * plane, 6 * plane));
            assertThat(model.seen.get(1)).isEqualTo(java.util.Arrays.copyOfRange(d, 9 * plane, 12 * plane));
            assertThat(f.seen()).isEqualTo(4);
            assertThat(f.skipped()).isEqualTo(2);
            assertThat(f.outputsLogits()).isFalse();
            for (int k = 0; k < plane; k++) {
                assertThat(out.data()[k]).isZero();
                assertThat(out.data()[2 * plane + k]).isZero();
                float raw = d[3 * plane + k] / 255f - 0.5f;
                float expected = logits ? (float) (1 / (1 + Math.exp(-raw))) : raw;
                assertThat(out.data()[plane + k]).isEqualTo(expected);
            }
        }
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new EmptyTileSkipping(new Recording(false), 0))
                .hasMessageContaining("must be in 1..255, got 0");
        EmptyTileSkipping f = new EmptyTileSkipping(new Recording(false), 40);
        assertThatThrownBy(() -> f.predict(TileBatch.zeros(1, 3, 8, 16))).hasMessageContaining("square windows, got 16 x 8");
    }
}
