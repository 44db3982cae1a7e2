package io.github.hubmapseg.tiling.post;

import io.github.hubmapseg.tiling.sink.RowSink;
import io.github.hubmapseg.tiling.sink.RowSinks;
import java.io.IOException;
import java.util.ArrayDeque;
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
 * (score 16.64): the rows carry probabilities, not logits. A component is decided when it is closed (no pixel in the
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
    private final ArrayDeque<Row> buffer = new ArrayDeque<>();
    private Row last;
    private byte[] maskBuf = new byte[0];
    private int labels;
    private int[] parent = new int[256];
    private long[] count = new long[256];
    private double[] sum = new double[256];
    private long[] minX = new long[256];
    private long[] maxX = new long[256];
    private long[] minY = new long[256];
    private long[] maxY = new long[256];
    private boolean[] reported = new boolean[256];
    private int[] openMark = new int[256];
    private int stamp;
    private long kept;
    private long dropped;

    private record Row(long y, float[] values, int[] start, int[] end, int[] label, int n) {
    }

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
            addRow(y0 + j, v, maskBuf);
            flush(false);
        }
    }

    @Override
    public void end() throws IOException {
        last = null;
        flush(true);
        next.end();
    }

    private void addRow(long y, float[] v, byte[] m) {
        int[] st = new int[4];
        int[] en = new int[4];
        int n = 0;
        for (int x = 0; x < width; ) {
            if (m[x] != 0) {
                int s = x;
                while (x < width && m[x] != 0) {
                    x++;
                }
                if (n == st.length) {
                    st = Arrays.copyOf(st, n * 2);
                    en = Arrays.copyOf(en, n * 2);
                }
                st[n] = s;
                en[n] = x;
                n++;
            } else {
                x++;
            }
        }
        Row row = new Row(y, v, st, en, new int[n], n);
        ensure(labels + n);
        int p = 0;
        for (int k = 0; k < n; k++) {
            int l = labels++;
            parent[l] = l;
            reported[l] = false;
            double e = 0;
            for (int x = st[k]; x < en[k]; x++) {
                e += energy(v[x]);
            }
            count[l] = en[k] - st[k];
            sum[l] = e;
            minX[l] = st[k];
            maxX[l] = en[k] - 1;
            minY[l] = y;
            maxY[l] = y;
            row.label()[k] = l;
            if (last != null) {
                while (p < last.n() && last.end()[p] < st[k]) {
                    p++;
                }
                for (int q = p; q < last.n() && last.start()[q] <= en[k]; q++) {
                    union(l, last.label()[q]);
                }
            }
        }
        buffer.addLast(row);
        last = row;
    }

    private void ensure(int cap) {
        if (cap <= parent.length) {
            return;
        }
        int c = Math.max(cap, parent.length * 2);
        parent = Arrays.copyOf(parent, c);
        count = Arrays.copyOf(count, c);
        sum = Arrays.copyOf(sum, c);
        minX = Arrays.copyOf(minX, c);
        maxX = Arrays.copyOf(maxX, c);
        minY = Arrays.copyOf(minY, c);
        maxY = Arrays.copyOf(maxY, c);
        reported = Arrays.copyOf(reported, c);
        openMark = Arrays.copyOf(openMark, c);
    }

    private int find(int a) {
        while (parent[a] != a) {
            parent[a] = parent[parent[a]];
            a = parent[a];
        }
        return a;
    }

    private void union(int a, int b) {
        a = find(a);
        b = find(b);
        if (a == b) {
            return;
        }
        if (count[a] < count[b]) {
            int t = a;
            a = b;
            b = t;
        }
        parent[b] = a;
        count[a] += count[b];
        sum[a] += sum[b];
        minX[a] = Math.min(minX[a], minX[b]);
        maxX[a] = Math.max(maxX[a], maxX[b]);
        minY[a] = Math.min(minY[a], minY[b]);
        maxY[a] = Math.max(maxY[a], maxY[b]);
    }

    private void flush(boolean all) throws IOException {
        stamp++;
        if (last != null) {
            for (int k = 0; k < last.n(); k++) {
                openMark[find(last.label()[k])] = stamp;
            }
        }
        while (!buffer.isEmpty() && (all || closed(buffer.peekFirst()))) {
            Row r = buffer.pollFirst();
            for (int k = 0; k < r.n(); k++) {
                int root = find(r.label()[k]);
                double mean = sum[root] / count[root];
                boolean keep = mean >= minEnergy;
                if (!reported[root]) {
                    reported[root] = true;
                    if (keep) {
                        kept++;
                    } else {
                        dropped++;
                    }
                    if (scores != null) {
                        scores.accept(new ComponentScore(new FinalInterval(new long[] {minX[root], minY[root]},
                                new long[] {maxX[root], maxY[root]}), count[root], mean, keep));
                    }
                }
                if (!keep) {
                    Arrays.fill(r.values(), r.start()[k], r.end()[k], 0f);
                }
            }
            next.accept(r.y(), 1, r.values());
        }
        if (buffer.isEmpty()) {
            // no buffered run refers to a label any more (the newest row had no run): start the table again
            labels = 0;
            if (stamp > Integer.MAX_VALUE / 2) {
                Arrays.fill(openMark, 0);
                stamp = 0;
            }
        }
    }

    private boolean closed(Row r) {
        for (int k = 0; k < r.n(); k++) {
            if (openMark[find(r.label()[k])] == stamp) {
                return false;
            }
        }
        return true;
    }
}
