package io.github.hubmapseg.tiling.post;

import io.github.hubmapseg.tiling.sink.RowSink;
import io.github.hubmapseg.tiling.sink.RowSinks;
import io.github.hubmapseg.tiling.sink.StreamingComponents;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;
import net.imglib2.FinalInterval;

/**
 * The 10th place's false-positive filter by energy-based confidence (Liu et al. 2020, "Energy-based
 * Out-of-distribution Detection": the negative free energy {@code logsumexp} of the logits; for a sigmoid output
 * with logits {@code (0, z)} that is {@code softplus(z) = -log(1 - p)}): the mask {@code p >= threshold} is split
 * into 8-connected components, each component's mean energy score over its pixels is computed, and components whose
 * mean is below {@code minEnergy} are dropped (their probabilities set to 0, so the same threshold downstream gives
 * the filtered mask). Every component's score is reported once ({@link ComponentScore}).
 *
 * <p>Probabilities of exactly 1 (saturated floats) are scored as {@code 1 - 2^-24}, the largest float below 1
 * (score 16.64): the rows carry probabilities, not logits. Components are labelled by
 * {@link StreamingComponents}; a component is decided when it is closed (no pixel in the
 * newest row), so rows are buffered while a component touching them is open: memory O(width x height of the tallest
 * predicted component).
 */
public final class EnergyFilter implements RowSink {
    /** The largest float below 1: the cap of {@code p} in the score. */
    static final double MAX_P = 1.0 - 0x1p-24;

    private final double threshold;
    private final double minEnergy;
    private final RowSink next;
    private final Consumer<ComponentScore> scores;
    private int width;
    private StreamingComponents<float[]> components;
    private byte[] maskBuf = new byte[0];
    private long kept;
    private long dropped;

    /**
     * @param threshold mask threshold ({@code p >= threshold}), in {@code (0, 1]}
     * @param minEnergy components with a lower mean score are dropped ({@code >= 0}; 0 keeps all)
     * @param next      receives the probabilities with dropped components zeroed
     * @param scores    receives every component's score once it is decided (may be {@code null})
     */
    public EnergyFilter(double threshold, double minEnergy, RowSink next, Consumer<ComponentScore> scores) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("energy filter threshold must be in (0, 1], got " + threshold);
        }
        if (!(minEnergy >= 0) || Double.isInfinite(minEnergy)) {
            throw new IllegalArgumentException("energy threshold must be a finite number >= 0, got " + minEnergy);
        }
        this.threshold = threshold;
        this.minEnergy = minEnergy;
        this.next = Objects.requireNonNull(next, "next");
        this.scores = scores;
    }

    /** The energy score of one probability: {@code softplus(logit(p)) = -log(1 - p)}, {@code p} capped below 1. */
    public static double energy(double p) {
        return -Math.log1p(-Math.min(Math.max(p, 0), MAX_P));
    }

    /** Components kept so far. */
    public long kept() {
        return kept;
    }

    /** Components dropped so far. */
    public long dropped() {
        return dropped;
    }

    @Override
    public void begin(long w, long h) throws IOException {
        width = Math.toIntExact(w);
        components = new StreamingComponents<>(width);
        next.begin(w, h);
    }

    @Override
    public void accept(long y0, int rows, float[] band) throws IOException {
        if (maskBuf.length < width) {
            maskBuf = new byte[width];
        }
        for (int j = 0; j < rows; j++) {
            float[] v = Arrays.copyOfRange(band, j * width, (j + 1) * width);
            RowSinks.mask(v, width, threshold, maskBuf);
            components.add(y0 + j, v, maskBuf, x -> energy(v[x]));
            flush(false);
        }
    }

    @Override
    public void end() throws IOException {
        flush(true);
        next.end();
    }

    /** A component is decided when it is closed: its mean score is final. */
    private void flush(boolean all) throws IOException {
        components.flush(all, root -> false, (y, values, start, end, root, n) -> {
            for (int k = 0; k < n; k++) {
                int r = root[k];
                double mean = components.sum(r) / components.count(r);
                boolean keep = mean >= minEnergy;
                if (components.firstReport(r)) {
                    if (keep) {
                        kept++;
                    } else {
                        dropped++;
                    }
                    if (scores != null) {
                        long[] b = components.bounds(r);
                        scores.accept(new ComponentScore(new FinalInterval(new long[] {b[0], b[1]},
                                new long[] {b[2], b[3]}), components.count(r), mean, keep));
                    }
                }
                if (!keep) {
                    Arrays.fill(values, start[k], end[k], 0f);
                }
            }
            next.accept(y, 1, values);
        });
    }
}
