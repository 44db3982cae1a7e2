package io.github.hubmapseg.core.synth;

import java.util.ArrayList;
import java.util.List;

/**
 * Buckets of already-placed shapes for the generators' overlap test: a shape is free when no placed shape within
 * {@code reach} pixels (plus its own extent) of it comes closer than the sum of their grown extents plus a gap.
 */
final class PlacementGrid {
    private final int cell;
    private final int reach;
    private final int cols;
    private final int rows;
    private final List<List<Integer>> buckets;

    /**
     * @param w     slide width
     * @param h     slide height
     * @param cell  bucket side in pixels
     * @param reach how far beyond a shape's grown extent to look for neighbours (at least the largest extent)
     */
    PlacementGrid(int w, int h, int cell, int reach) {
        this.cell = cell;
        this.reach = reach;
        this.cols = (w + cell - 1) / cell;
        this.rows = (h + cell - 1) / cell;
        this.buckets = new ArrayList<>(cols * rows);
        for (int i = 0; i < cols * rows; i++) {
            buckets.add(new ArrayList<>(2));
        }
    }

    boolean free(StarShape s, List<StarShape> placed, double grow, double gap) {
        int r = (int) Math.ceil((s.extent() * grow + reach) / cell);
        int bx = (int) Math.floor(s.cx() / cell);
        int by = (int) Math.floor(s.cy() / cell);
        for (int y = Math.max(0, by - r); y <= Math.min(rows - 1, by + r); y++) {
            for (int x = Math.max(0, bx - r); x <= Math.min(cols - 1, bx + r); x++) {
                for (int id : buckets.get(y * cols + x)) {
                    StarShape o = placed.get(id);
                    double dx = o.cx() - s.cx();
                    double dy = o.cy() - s.cy();
                    double min = (o.extent() + s.extent()) * grow + gap;
                    if (dx * dx + dy * dy < min * min) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    void add(StarShape s, List<StarShape> placed) {
        int bx = Math.max(0, Math.min(cols - 1, (int) Math.floor(s.cx() / cell)));
        int by = Math.max(0, Math.min(rows - 1, (int) Math.floor(s.cy() / cell)));
        buckets.get(by * cols + bx).add(placed.size());
        placed.add(s);
    }
}
