package io.github.hubmapseg.core.kaggle;

import java.util.Objects;

/**
 * A closed polygon in full-resolution slide pixels (x = column, y = row; the first vertex is not repeated at
 * the end), as stored in the competition's glomerulus and anatomical-structure JSON files. Vertices are
 * kept as primitive arrays; the record does not copy them, so treat them as read-only.
 *
 * @param xs vertex x coordinates (columns)
 * @param ys vertex y coordinates (rows), same length as {@code xs}, at least 3
 */
public record Polygon(double[] xs, double[] ys) {

    /** Validates the vertex arrays. */
    public Polygon {
        Objects.requireNonNull(xs, "xs");
        Objects.requireNonNull(ys, "ys");
        if (xs.length != ys.length) {
            throw new IllegalArgumentException("xs and ys must have the same length, got " + xs.length + " and "
                    + ys.length);
        }
        if (xs.length < 3) {
            throw new IllegalArgumentException("a polygon needs at least 3 vertices, got " + xs.length);
        }
    }

    /** Number of vertices. */
    public int size() {
        return xs.length;
    }

    /** Signed-area-free absolute area by the shoelace formula, in square pixels. */
    public double area() {
        double s = 0;
        int n = xs.length;
        for (int i = 0, j = n - 1; i < n; j = i++) {
            s += xs[j] * ys[i] - xs[i] * ys[j];
        }
        return Math.abs(s) / 2;
    }

    /** Even-odd point-in-polygon test of the point {@code (x, y)}. */
    public boolean contains(double x, double y) {
        boolean in = false;
        int n = xs.length;
        for (int i = 0, j = n - 1; i < n; j = i++) {
            if ((ys[i] > y) != (ys[j] > y)
                    && x < (xs[j] - xs[i]) * (y - ys[i]) / (ys[j] - ys[i]) + xs[i]) {
                in = !in;
            }
        }
        return in;
    }
}
