package io.github.hubmapseg.core.metrics;

import io.github.hubmapseg.core.rle.RleRuns;
import java.util.Arrays;

/**
 * Connected components (4-connectivity) of a run-length mask, found on its runs without decoding: the runs are
 * cut into column segments, segments of neighbouring columns that share a row are joined (union-find). Memory
 * is proportional to the number of runs, whatever the mask size.
 *
 * <p>Segments are kept in the runs' order (column, then row), so two masks' segments can be intersected by a
 * two-pointer sweep ({@link #overlaps}).
 */
final class Components {

    private final int height;
    private final long[] segStart;   // column-major 0-based pixel index
    private final int[] segLength;
    private final int[] segLabel;
    private final long[] area;
    private final int count;

    private Components(int height, long[] segStart, int[] segLength, int[] segLabel, long[] area, int count) {
        this.height = height;
        this.segStart = segStart;
        this.segLength = segLength;
        this.segLabel = segLabel;
        this.area = area;
        this.count = count;
    }

    /**
     * Labels the components of a mask.
     *
     * @param runs the mask
     * @return its components, numbered 0.. in order of their first pixel (column-major)
     */
    public static Components of(RleRuns runs) {
        int h = runs.height();
        long[] s = runs.starts();
        long[] l = runs.lengths();
        int n = 0;
        for (int i = 0; i < s.length; i++) {
            long a = s[i];
            long e = s[i] + l[i];
            n += (int) ((e - 1) / h - a / h + 1);
        }
        long[] ss = new long[n];
        int[] sl = new int[n];
        int k = 0;
        for (int i = 0; i < s.length; i++) {
            long a = s[i];
            long e = s[i] + l[i];
            while (a < e) {
                long colEnd = (a / h + 1) * h;
                long b = Math.min(e, colEnd);
                ss[k] = a;
                sl[k] = (int) (b - a);
                k++;
                a = b;
            }
        }
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) {
            parent[i] = i;
        }
        // sweep: segments of column c-1 (window [p0, p1)) against segments of column c
        int p0 = 0;
        int p1 = 0;
        int i = 0;
        while (i < n) {
            long col = ss[i] / h;
            int c0 = i;
            while (i < n && ss[i] / h == col) {
                i++;
            }
            int c1 = i;
            if (p1 > p0 && ss[p0] / h == col - 1) {
                int a = p0;
                int b = c0;
                while (a < p1 && b < c1) {
                    long ay0 = ss[a] % h;
                    long ay1 = ay0 + sl[a];
                    long by0 = ss[b] % h;
                    long by1 = by0 + sl[b];
                    if (Math.max(ay0, by0) < Math.min(ay1, by1)) {
                        union(parent, a, b);
                    }
                    if (ay1 <= by1) {
                        a++;
                    } else {
                        b++;
                    }
                }
            }
            p0 = c0;
            p1 = c1;
        }
        int[] label = new int[n];
        int[] rootLabel = new int[n];
        Arrays.fill(rootLabel, -1);
        int count = 0;
        for (int j = 0; j < n; j++) {
            int r = find(parent, j);
            if (rootLabel[r] < 0) {
                rootLabel[r] = count++;
            }
            label[j] = rootLabel[r];
        }
        long[] area = new long[count];
        for (int j = 0; j < n; j++) {
            area[label[j]] += sl[j];
        }
        return new Components(h, ss, sl, label, area, count);
    }

    private static int find(int[] p, int i) {
        while (p[i] != i) {
            p[i] = p[p[i]];
            i = p[i];
        }
        return i;
    }

    private static void union(int[] p, int a, int b) {
        int ra = find(p, a);
        int rb = find(p, b);
        if (ra != rb) {
            if (ra < rb) {
                p[rb] = ra;
            } else {
                p[ra] = rb;
            }
        }
    }

    /** @return the number of components */
    public int count() {
        return count;
    }

    /** @return pixels of component {@code c} */
    public long area(int c) {
        return area[c];
    }

    /** Receives the pixels shared by a component of each of two masks. */
    @FunctionalInterface
    public interface OverlapConsumer {
        /** Called once per shared column segment (a pair may be reported several times; sum the pixels). */
        void accept(int a, int b, long pixels);
    }

    /**
     * Reports every overlap between the components of {@code a} and {@code b} (masks of the same height).
     *
     * @throws IllegalArgumentException if the heights differ
     */
    public static void overlaps(Components a, Components b, OverlapConsumer out) {
        if (a.height != b.height) {
            throw new IllegalArgumentException("masks must have the same height, got " + a.height + " and " + b.height);
        }
        int i = 0;
        int j = 0;
        while (i < a.segStart.length && j < b.segStart.length) {
            long ae = a.segStart[i] + a.segLength[i];
            long be = b.segStart[j] + b.segLength[j];
            long lo = Math.max(a.segStart[i], b.segStart[j]);
            long hi = Math.min(ae, be);
            if (hi > lo) {
                out.accept(a.segLabel[i], b.segLabel[j], hi - lo);
            }
            if (ae <= be) {
                i++;
            } else {
                j++;
            }
        }
    }
}
