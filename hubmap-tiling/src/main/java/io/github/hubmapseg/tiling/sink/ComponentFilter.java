package io.github.hubmapseg.tiling.sink;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Streaming removal of small foreground components: 8-connected components of fewer than {@code minSize}
 * pixels are set to 0, the rest passes unchanged, rows leave in order.
 *
 * <p>Rows are labelled run by run with a union-find; a component is decided as soon as it reaches
 * {@code minSize} pixels (kept) or has no run in the newest row (closed, so its size is final). A row is
 * passed on once every component touching it is decided, so at most the rows spanned by one small
 * component are buffered: memory is O(width x height of the tallest small component), independent of the
 * image height.
 */
public final class ComponentFilter implements MaskRowSink {

    private final long minSize;
    private final MaskRowSink next;
    private int width;
    private long height;
    private long nextOut;
    private final ArrayDeque<Row> buffer = new ArrayDeque<>();
    private Row last;
    private int[] parent = new int[1024];
    private long[] size = new long[1024];
    private int labels;
    private int[] openMark = new int[1024];
    private int stamp;

    private static final class Row {
        final long y;
        final byte[] px;
        final int[] start;
        final int[] end;
        final int[] label;
        final int n;

        Row(long y, byte[] px, int[] start, int[] end, int n) {
            this.y = y;
            this.px = px;
            this.start = start;
            this.end = end;
            this.n = n;
            this.label = new int[n];
        }
    }

    /**
     * @param minSize components with fewer pixels are removed, {@code >= 1}
     * @param next    where the filtered rows go
     */
    public ComponentFilter(long minSize, MaskRowSink next) {
        if (minSize < 1) {
            throw new IllegalArgumentException("minSize must be >= 1, got " + minSize);
        }
        this.minSize = minSize;
        this.next = next;
    }

    @Override
    public void begin(long width, long height) throws IOException {
        this.width = Math.toIntExact(width);
        this.height = height;
        next.begin(width, height);
    }

    @Override
    public void accept(long y0, int rows, byte[] band) throws IOException {
        for (int j = 0; j < rows; j++) {
            byte[] px = Arrays.copyOfRange(band, j * width, (j + 1) * width);
            addRow(y0 + j, px);
            flush(false);
        }
    }

    @Override
    public void end() throws IOException {
        last = null;
        flush(true);
        next.end();
    }

    private int newLabel() {
        parent[labels] = labels;
        size[labels] = 0;
        return labels++;
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
        if (size[a] < size[b]) {
            int t = a;
            a = b;
            b = t;
        }
        parent[b] = a;
        size[a] += size[b];
    }

    private void addRow(long y, byte[] px) {
        int[] st = new int[8];
        int[] en = new int[8];
        int n = 0;
        int x = 0;
        while (x < width) {
            if (px[x] != 0) {
                int s = x;
                while (x < width && px[x] != 0) {
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
        Row row = new Row(y, px, st, en, n);
        int p = 0;
        for (int k = 0; k < n; k++) {
            int l = newLabel();
            row.label[k] = l;
            size[l] = en[k] - st[k];
            if (last != null) {
                // 8-connectivity: runs [s1,e1) and [s2,e2) touch if s1 <= e2 && s2 <= e1
                while (p < last.n && last.end[p] < st[k]) {
                    p++;
                }
                for (int q = p; q < last.n && last.start[q] <= en[k]; q++) {
                    union(row.label[k], last.label[q]);
                }
            }
        }
        buffer.addLast(row);
        last = row;
    }

    private boolean decided(Row r, boolean all) {
        if (all) {
            return true;
        }
        for (int k = 0; k < r.n; k++) {
            int root = find(r.label[k]);
            if (size[root] < minSize && openMark[root] == stamp) {
                return false;
            }
        }
        return true;
    }

    private void flush(boolean all) throws IOException {
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
        while (!buffer.isEmpty() && decided(buffer.peekFirst(), all)) {
            Row r = buffer.pollFirst();
            for (int k = 0; k < r.n; k++) {
                if (size[find(r.label[k])] < minSize) {
                    Arrays.fill(r.px, r.start[k], r.end[k], (byte) 0);
                }
            }
            next.accept(r.y, 1, r.px);
            nextOut = r.y + 1;
        }
    }

    /** Relabels the buffered runs compactly when the label table is full; grows it if that does not help. */
    private void compactOrGrow(int needed) {
        java.util.List<Row> rows = new java.util.ArrayList<>(buffer);
        if (last != null && buffer.peekLast() != last) {
            rows.add(last);
        }
        int live = 0;
        for (Row r : rows) {
            live += r.n;
        }
        if ((live + (long) needed) * 2L < parent.length) {
            int[] map = new int[parent.length];
            Arrays.fill(map, -1);
            int[] np = new int[parent.length];
            long[] ns = new long[parent.length];
            int m = 0;
            for (Row r : rows) {
                for (int k = 0; k < r.n; k++) {
                    int root = find(r.label[k]);
                    if (map[root] < 0) {
                        map[root] = m;
                        np[m] = m;
                        ns[m] = size[root];
                        m++;
                    }
                    r.label[k] = map[root];
                }
            }
            parent = np;
            size = ns;
            labels = m;
            Arrays.fill(openMark, 0);
            stamp = 0;
        } else {
            int cap = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(parent.length * 2L, (live + (long) needed) * 2L + labels));
            parent = Arrays.copyOf(parent, cap);
            size = Arrays.copyOf(size, cap);
            openMark = Arrays.copyOf(openMark, cap);
        }
    }

    /** Rows passed on so far (for diagnostics). */
    long rowsPassed() {
        return nextOut;
    }
}
