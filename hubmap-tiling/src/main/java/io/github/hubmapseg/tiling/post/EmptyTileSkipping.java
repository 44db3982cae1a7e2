package io.github.hubmapseg.tiling.post;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.tiling.sample.SaturationFilter;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The 10th place's "pre-filtering of empty tiles (thanks to @iafoss (kernel))" at inference, as a {@link Predictor}
 * wrapper, so the sliding window needs no change: each window of a batch is tested with iafoss's rule
 * ({@link SaturationFilter#keep}: more than {@code 1000 (T / 256)^2} pixels with HSV saturation above the threshold
 * and a pixel sum above the same count, {@code T} the window side); only the windows that pass go to the model, the
 * others get probability 0 without a model call. The wrapper returns probabilities (a logit model's output goes
 * through the same sigmoid the engine would apply), so a skipped window is exactly 0. Windows are counted.
 */
public final class EmptyTileSkipping implements Predictor {
    private final Predictor inner;
    private final int threshold;
    private final AtomicLong seen = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();

    /**
     * @param inner     the model
     * @param threshold saturation threshold in 1..255 (iafoss's kernel: 40)
     */
    public EmptyTileSkipping(Predictor inner, int threshold) {
        this.inner = Objects.requireNonNull(inner, "inner");
        if (threshold < 1 || threshold > 255) {
            throw new IllegalArgumentException("tissue filter saturation threshold must be in 1..255, got "
                    + threshold);
        }
        if (inner.inputChannels() != 3) {
            throw new IllegalArgumentException("the tissue filter needs an RGB model, got " + inner.inputChannels()
                    + " input channel(s)");
        }
        this.threshold = threshold;
    }

    /** Windows seen (each TTA pose of a window counts). */
    public long seen() {
        return seen.get();
    }

    /** Windows answered with 0 without calling the model. */
    public long skipped() {
        return skipped.get();
    }

    @Override
    public int inputChannels() {
        return 3;
    }

    @Override
    public int sizeDivisor() {
        return inner.sizeDivisor();
    }

    @Override
    public TileBatch predict(TileBatch tiles) {
        int n = tiles.size();
        int h = tiles.height();
        int w = tiles.width();
        if (h != w) {
            throw new IllegalArgumentException("the tissue filter needs square windows, got " + w + " x " + h);
        }
        int plane = h * w;
        int len = tiles.tileLength();
        boolean[] keep = new boolean[n];
        int kept = 0;
        byte[] px = new byte[3 * plane];
        float[] d = tiles.data();
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3 * plane; k++) {
                float v = d[i * len + k];
                px[k] = (byte) Math.max(0, Math.min(255, Math.round(v)));
            }
            keep[i] = SaturationFilter.keep(px, plane, w, threshold);
            kept += keep[i] ? 1 : 0;
        }
        seen.addAndGet(n);
        skipped.addAndGet(n - kept);
        float[] out = new float[n * plane];
        if (kept == 0) {
            return new TileBatch(out, n, 1, h, w);
        }
        TileBatch sub = tiles;
        if (kept < n) {
            float[] s = new float[kept * len];
            int j = 0;
            for (int i = 0; i < n; i++) {
                if (keep[i]) {
                    System.arraycopy(d, i * len, s, j++ * len, len);
                }
            }
            sub = new TileBatch(s, kept, tiles.channels(), h, w);
        }
        float[] o = inner.predict(sub).data();
        if (o.length != kept * plane) {
            throw new IllegalStateException("model returned " + o.length + " values, expected " + kept * plane);
        }
        boolean logits = inner.outputsLogits();
        int j = 0;
        for (int i = 0; i < n; i++) {
            if (keep[i]) {
                for (int k = 0; k < plane; k++) {
                    float v = o[j * plane + k];
                    out[i * plane + k] = logits ? (float) (1.0 / (1.0 + Math.exp(-v))) : v;
                }
                j++;
            }
        }
        return new TileBatch(out, n, 1, h, w);
    }

    /** Does not close the model: whoever opened it closes it. */
    @Override
    public void close() {
    }
}
