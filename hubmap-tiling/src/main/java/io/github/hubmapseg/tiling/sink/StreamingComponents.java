package io.github.hubmapseg.tiling.sink;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.IntToDoubleFunction;

/**
 * Streaming labelling of 8-connected foreground components, row by row (tiling-internal: the one home of the
 * labelling that {@link ComponentFilter} and {@code post.EnergyFilter} share). Each row's runs get labels of a
 * union-find that keeps, per component, its pixel count, the sum of a per-pixel weight and its bounding box. Rows
 * are buffered with their payload (the caller's pixels) until every component touching them is decided: closed (no
 * run in the newest row, so its statistics are final) or accepted by the caller's rule while still open. Memory is
 * O(width x height of the tallest undecided component); the label table is compacted when it fills.
 *
 * @param <T> the payload kept with each buffered row
 */
public final class StreamingComponents<T> {

    /** Receives a decided row: its runs {@code [start[k], end[k])} and each run's component root. */
    @FunctionalInterface
    public interface RowOut<T> {
        /**
         * @param y       row index
         * @param payload the caller's row
         * @param start   run starts (first {@code n} valid)
         * @param end     run ends, exclusive
         * @param root    component root of each run (valid until the next call)
         * @param n       number of runs
         * @throws IOException from the caller's sink
         */
        void accept(long y, T payload, int[] start, int[] end, int[] root, int n) throws IOException;
    }

    private final int width;
    private final ArrayDeque<Row<T>> buffer = new ArrayDeque<>();
    private Row<T> last;
    private int labels;
    private int[] parent = new int[1024];
    private long[] count = new long[1024];
    private double[] sum = new double[1024];
    private long[] minX = new long[1024];
    private long[] maxX = new long[1024];
    private long[] minY = new long[1024];
    private long[] maxY = new long[1024];
    private boolean[] reported = new boolean[1024];
    private int[] openMark = new int[1024];
    private int stamp;
    private int[] roots = new int[8];

    private static final class Row<T> {
        final long y;
        final T payload;
        final int[] start;
        final int[] end;
        final int[] label;
        final int n;

        Row(long y, T payload, int[] start, int[] end, int n) {
            this.y = y;
            this.payload = payload;
            this.start = start;
            this.end = end;
            this.n = n;
            this.label = new int[n];
        }
    }

    /** @param width row width in pixels */
    public StreamingComponents(int width) {
        this.width = width;
    }

    /**
     * Adds the next row: its runs of {@code mask[x] != 0}, each pixel weighted by {@code weight} (may be
     * {@code null}: weight sums stay 0), joined to the previous row's runs they touch (8-connectivity).
     */
    public void add(long y, T payload, byte[] mask, IntToDoubleFunction weight) {
        int[] st = new int[8];
        int[] en = new int[8];
        int n = 0;
        int x = 0;
        while (x < width) {
            if (mask[x] != 0) {
                int s = x;
                while (x < width && mask[x] != 0) {
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
        if (labels + n > parent.length) {
            compactOrGrow(n);
        }
        Row<T> row = new Row<>(y, payload, st, en, n);
        int p = 0;
        for (int k = 0; k < n; k++) {
            int l = labels++;
            parent[l] = l;
            reported[l] = false;
            double e = 0;
            if (weight != null) {
                for (int i = st[k]; i < en[k]; i++) {
                    e += weight.applyAsDouble(i);
                }
            }
            count[l] = en[k] - st[k];
            sum[l] = e;
            minX[l] = st[k];
            maxX[l] = en[k] - 1;
            minY[l] = y;
            maxY[l] = y;
            row.label[k] = l;
            if (last != null) {
                // runs [s1,e1) and [s2,e2) touch (8-connectivity) if s1 <= e2 && s2 <= e1
                while (p < last.n && last.end[p] < st[k]) {
                    p++;
                }
                for (int q = p; q < last.n && last.start[q] <= en[k]; q++) {
                    union(l, last.label[q]);
                }
            }
        }
        buffer.addLast(row);
        last = row;
    }

    /**
     * Passes on, in order, the buffered rows whose components are all decided.
     *
     * @param all             pass every buffered row (the image ended: every component is closed)
     * @param decidedWhileOpen whether an open component (by its root) is decided already ({@code r -> false}:
     *                        only closed ones are)
     * @param out             receives the rows
     * @throws IOException from {@code out}
     */
    public void flush(boolean all, IntPredicate decidedWhileOpen, RowOut<T> out) throws IOException {
        if (all) {
            last = null;
        }
        stamp++;
        if (stamp == Integer.MAX_VALUE) {
            Arrays.fill(openMark, 0);
            stamp = 1;
        }
        if (last != null) {
            for (int k = 0; k < last.n; k++) {
                openMark[find(last.label[k])] = stamp;
            }
        }
        while (!buffer.isEmpty() && (all || decided(buffer.peekFirst(), decidedWhileOpen))) {
            Row<T> r = buffer.pollFirst();
            if (roots.length < r.n) {
                roots = new int[Math.max(r.n, roots.length * 2)];
            }
            for (int k = 0; k < r.n; k++) {
                roots[k] = find(r.label[k]);
            }
            out.accept(r.y, r.payload, r.start, r.end, roots, r.n);
        }
        if (buffer.isEmpty() && (last == null || last.n == 0)) {
            labels = 0; // no run refers to a label any more: start the table again
        }
    }

    private boolean decided(Row<T> r, IntPredicate decidedWhileOpen) {
        for (int k = 0; k < r.n; k++) {
            int root = find(r.label[k]);
            if (openMark[root] == stamp && !decidedWhileOpen.test(root)) {
                return false;
            }
        }
        return true;
    }

    /** Pixels of the component of this root so far. */
    public long count(int root) {
        return count[root];
    }

    /** Sum of the pixel weights of the component of this root so far. */
    public double sum(int root) {
        return sum[root];
    }

    /** Bounding box of the component of this root so far: {@code {minX, minY, maxX, maxY}}, inclusive. */
    public long[] bounds(int root) {
        return new long[] {minX[root], minY[root], maxX[root], maxY[root]};
    }

    /** Marks the component of this root reported; {@code true} the first time only. */
    public boolean firstReport(int root) {
        if (reported[root]) {
            return false;
        }
        reported[root] = true;
        return true;
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

    /** Relabels the buffered runs compactly when the label table is full; grows it if that does not help. */
    private void compactOrGrow(int needed) {
        List<Row<T>> rows = new ArrayList<>(buffer);
        if (last != null && buffer.peekLast() != last) {
            rows.add(last);
        }
        int live = 0;
        for (Row<T> r : rows) {
            live += r.n;
        }
        if ((live + (long) needed) * 2L < parent.length) {
            int cap = parent.length;
            int[] map = new int[cap];
            Arrays.fill(map, -1);
            int[] np = new int[cap];
            long[] nc = new long[cap];
            double[] ns = new double[cap];
            long[] nx0 = new long[cap];
            long[] nx1 = new long[cap];
            long[] ny0 = new long[cap];
            long[] ny1 = new long[cap];
            boolean[] nr = new boolean[cap];
            int m = 0;
            for (Row<T> r : rows) {
                for (int k = 0; k < r.n; k++) {
                    int root = find(r.label[k]);
                    if (map[root] < 0) {
                        map[root] = m;
                        np[m] = m;
                        nc[m] = count[root];
                        ns[m] = sum[root];
                        nx0[m] = minX[root];
                        nx1[m] = maxX[root];
                        ny0[m] = minY[root];
                        ny1[m] = maxY[root];
                        nr[m] = reported[root];
                        m++;
                    }
                    r.label[k] = map[root];
                }
            }
            parent = np;
            count = nc;
            sum = ns;
            minX = nx0;
            maxX = nx1;
            minY = ny0;
            maxY = ny1;
            reported = nr;
            labels = m;
            Arrays.fill(openMark, 0);
            stamp = 0;
        } else {
            int cap = (int) Math.min(Integer.MAX_VALUE - 8,
                    Math.max(parent.length * 2L, (live + (long) needed) * 2L + labels));
            parent = Arrays.copyOf(parent, cap);
            count = Arrays.copyOf(count, cap);
            sum = Arrays.copyOf(sum, cap);
            minX = Arrays.copyOf(minX, cap);
            maxX = Arrays.copyOf(maxX, cap);
            minY = Arrays.copyOf(minY, cap);
            maxY = Arrays.copyOf(maxY, cap);
            reported = Arrays.copyOf(reported, cap);
            openMark = Arrays.copyOf(openMark, cap);
        }
    }
}
