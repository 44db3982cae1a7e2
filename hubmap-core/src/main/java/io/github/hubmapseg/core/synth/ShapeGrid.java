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
     * The shapes that may draw a pixel of the block {@code [x0, x0 + bw) x [y0, y0 + bh)}, in their order, up to the
     * first that holds the whole block: those whose box grown by {@code grow} meets the block and whose
     * {@link StarShape#probe} with {@code limit} is not FAR at every point of it. A renderer that takes the first
     * shape holding a pixel (and looks at the others only for their ring, below {@code limit}) gives the same result
     * with this list as with every shape of the grid.
     *
     * @param shapes the shapes this grid indexes
     * @param out    reused for the result (count in element 0, then the indices)
     * @return {@code out}, or a larger array
     */
    int[] block(StarShape[] shapes, long x0, long y0, int bw, int bh, double grow, double limit, int[] out) {
        int[] c = query(x0, y0, x0 + bw, y0 + bh, out);
        int n = 0;
        double bcx = x0 + bw * 0.5;
        double bcy = y0 + bh * 0.5;
        double half = Math.sqrt(bw * bw + bh * bh) * 0.5 + 1;
        for (int k = 1; k <= c[0]; k++) {
            StarShape s = shapes[c[k]];
            double e = s.extent() * grow + 2;
            if (s.cx() + e >= x0 && s.cx() - e <= x0 + bw && s.cy() + e >= y0 && s.cy() - e <= y0 + bh
                    && !s.farFromDisc(bcx, bcy, half, limit)) {
                c[1 + n++] = c[k];
                if (s.coversDisc(bcx, bcy, half)) {
                    break; // every pixel of the block is inside it: the renderer never looks further
                }
            }
        }
        c[0] = n;
        return c;
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
