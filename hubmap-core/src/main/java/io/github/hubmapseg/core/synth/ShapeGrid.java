package io.github.hubmapseg.core.synth;

import java.util.Arrays;
import java.util.List;

/**
 * Spatial index of shapes: square buckets of {@code cell} pixels, each listing the shapes whose (expanded)
 * bounding box touches it, in compressed-row form. Queries return indices into the original list.
 */
final class ShapeGrid {

    private final int cell;
    private final int cols;
    private final int rows;
    private final int[] start;
    private final int[] items;
    private final int[] stamp;
    private int stampValue;

    ShapeGrid(List<StarShape> shapes, double grow, int width, int height, int cell) {
        this.cell = cell;
        this.cols = (width + cell - 1) / cell;
        this.rows = (height + cell - 1) / cell;
        int[] count = new int[cols * rows + 1];
        int[][] boxes = new int[shapes.size()][];
        for (int i = 0; i < shapes.size(); i++) {
            StarShape s = shapes.get(i);
            double e = s.extent() * grow + 2;
            int x0 = clamp((int) Math.floor((s.cx() - e) / cell), cols);
            int x1 = clamp((int) Math.floor((s.cx() + e) / cell), cols);
            int y0 = clamp((int) Math.floor((s.cy() - e) / cell), rows);
            int y1 = clamp((int) Math.floor((s.cy() + e) / cell), rows);
            boxes[i] = new int[] {x0, x1, y0, y1};
            for (int y = y0; y <= y1; y++) {
                for (int x = x0; x <= x1; x++) {
                    count[y * cols + x + 1]++;
                }
            }
        }
        for (int i = 1; i < count.length; i++) {
            count[i] += count[i - 1];
        }
        this.start = count.clone();
        this.items = new int[count[count.length - 1]];
        int[] fill = Arrays.copyOf(count, count.length);
        for (int i = 0; i < boxes.length; i++) {
            int[] b = boxes[i];
            for (int y = b[2]; y <= b[3]; y++) {
                for (int x = b[0]; x <= b[1]; x++) {
                    items[fill[y * cols + x]++] = i;
                }
            }
        }
        this.stamp = new int[shapes.size()];
    }

    private static int clamp(int v, int n) {
        return Math.max(0, Math.min(n - 1, v));
    }

    /**
     * Indices of shapes that may touch the pixel rectangle {@code [x0, x1) x [y0, y1)}, written to {@code out}
     * (grown as needed); returns the (possibly new) array with the count in element 0 followed by indices.
     * Not thread-safe: callers use one grid per thread or synchronise.
     */
    synchronized int[] query(long x0, long y0, long x1, long y1, int[] out) {
        int cx0 = clamp((int) Math.floorDiv(x0, cell), cols);
        int cx1 = clamp((int) Math.floorDiv(x1 - 1, cell), cols);
        int cy0 = clamp((int) Math.floorDiv(y0, cell), rows);
        int cy1 = clamp((int) Math.floorDiv(y1 - 1, cell), rows);
        if (++stampValue == 0) {
            Arrays.fill(stamp, 0);
            stampValue = 1;
        }
        int n = 0;
        for (int cy = cy0; cy <= cy1; cy++) {
            for (int cx = cx0; cx <= cx1; cx++) {
                int b = cy * cols + cx;
                for (int k = start[b]; k < start[b + 1]; k++) {
                    int id = items[k];
                    if (stamp[id] != stampValue) {
                        stamp[id] = stampValue;
                        if (n + 2 > out.length) {
                            out = Arrays.copyOf(out, out.length * 2 + 4);
                        }
                        out[1 + n++] = id;
                    }
                }
            }
        }
        out[0] = n;
        return out;
    }
}
