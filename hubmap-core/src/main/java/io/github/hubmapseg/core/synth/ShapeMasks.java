package io.github.hubmapseg.core.synth;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** Masks of unions of {@link StarShape}s, optionally each clipped by a second shape, without rasterising. */
final class ShapeMasks {

    private ShapeMasks() {
    }

    /**
     * Whether pixel {@code (x, y)} (its centre) is inside one of the shapes (and its clip).
     *
     * @param grid  the shapes' grid
     * @param clips per shape, a shape its pixels must also be inside, or {@code null} entries / array for none
     */
    static boolean contains(StarShape[] shapes, StarShape[] clips, ShapeGrid grid, long x, long y) {
        double px = x + 0.5;
        double py = y + 0.5;
        int[] c = grid.query(x, y, x + 1, y + 1, new int[8]);
        for (int k = 1; k <= c[0]; k++) {
            StarShape clip = clips == null ? null : clips[c[k]];
            if (shapes[c[k]].contains(px, py) && (clip == null || clip.contains(px, py))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The mask of the union of the shapes (each clipped) on {@code [x, x + w) x [y, y + h)}, row-major, 1 = inside.
     *
     * @param grid  the shapes' grid
     * @param clips per shape, a shape its pixels must also be inside, or {@code null} entries / array for none
     */
    static byte[] mask(StarShape[] shapes, StarShape[] clips, ShapeGrid grid, long x, long y, int w, int h) {
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("mask region must be non-empty, got " + w + " x " + h);
        }
        byte[] m = new byte[Math.multiplyExact(w, h)];
        int[] c = grid.query(x, y, x + w, y + h, new int[16]);
        for (int k = 1; k <= c[0]; k++) {
            StarShape s = shapes[c[k]];
            StarShape clip = clips == null ? null : clips[c[k]];
            long x0 = Math.max(x, s.minX());
            long x1 = Math.min(x + w - 1, s.maxX());
            long y0 = Math.max(y, s.minY());
            long y1 = Math.min(y + h - 1, s.maxY());
            for (long yy = y0; yy <= y1; yy++) {
                for (long xx = x0; xx <= x1; xx++) {
                    if (s.containsPixel(xx, yy) && (clip == null || clip.containsPixel(xx, yy))) {
                        m[(int) ((yy - y) * w + (xx - x))] = 1;
                    }
                }
            }
        }
        return m;
    }

    /**
     * Writes the Kaggle RLE (column-major, 1-based {@code start length} pairs) of the union of the shapes,
     * column by column: for each column, the y-runs of every shape crossing it are found by the exact per-pixel
     * test over the shape's bounding box, merged, and appended; runs that continue into the next column are
     * joined. Memory is proportional to the shapes crossing one column.
     *
     * @param clips per shape, a shape its pixels must also be inside, or {@code null} entries / array for none
     */
    static void writeRle(StarShape[] shapes, StarShape[] clips, int w, long h, Appendable out) throws IOException {
        Integer[] order = new Integer[shapes.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong(i -> shapes[i].minX()));
        List<Integer> active = new ArrayList<>();
        int next = 0;
        long runStart = -1;
        long runEnd = -1; // exclusive, in column-major 0-based pixel index
        boolean first = true;
        long[] runs = new long[64];
        for (int x = 0; x < w; x++) {
            while (next < order.length && shapes[order[next]].minX() <= x) {
                active.add(order[next++]);
            }
            final int fx = x;
            active.removeIf(i -> shapes[i].maxX() < fx);
            int n = 0;
            for (int idx : active) {
                StarShape s = shapes[idx];
                StarShape clip = clips == null ? null : clips[idx];
                long y0 = Math.max(0, s.minY());
                long y1 = Math.min(h - 1, s.maxY());
                long open = -1;
                for (long y = y0; y <= y1; y++) {
                    boolean in = s.containsPixel(x, y) && (clip == null || clip.containsPixel(x, y));
                    if (in && open < 0) {
                        open = y;
                    } else if (!in && open >= 0) {
                        if (n + 2 > runs.length) {
                            runs = Arrays.copyOf(runs, runs.length * 2);
                        }
                        runs[n++] = open;
                        runs[n++] = y;
                        open = -1;
                    }
                }
                if (open >= 0) {
                    if (n + 2 > runs.length) {
                        runs = Arrays.copyOf(runs, runs.length * 2);
                    }
                    runs[n++] = open;
                    runs[n++] = y1 + 1;
                }
            }
            if (n == 0) {
                continue;
            }
            sortPairs(runs, n);
            long base = x * h;
            for (int k = 0; k < n; k += 2) {
                long s = base + runs[k];
                long e = base + runs[k + 1];
                if (runStart >= 0 && s <= runEnd) {
                    runEnd = Math.max(runEnd, e);
                } else {
                    if (runStart >= 0) {
                        first = emit(out, runStart, runEnd, first);
                    }
                    runStart = s;
                    runEnd = e;
                }
            }
        }
        if (runStart >= 0) {
            emit(out, runStart, runEnd, first);
        }
    }

    private static boolean emit(Appendable out, long start, long end, boolean first) throws IOException {
        if (!first) {
            out.append(' ');
        }
        out.append(Long.toString(start + 1)).append(' ').append(Long.toString(end - start));
        return false;
    }

    /** Sorts (start, end) pairs by start (insertion sort: a column crosses few glomeruli). */
    private static void sortPairs(long[] a, int n) {
        for (int i = 2; i < n; i += 2) {
            long s = a[i];
            long e = a[i + 1];
            int j = i - 2;
            while (j >= 0 && a[j] > s) {
                a[j + 2] = a[j];
                a[j + 3] = a[j + 1];
                j -= 2;
            }
            a[j + 2] = s;
            a[j + 3] = e;
        }
    }

}
