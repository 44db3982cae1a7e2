package io.github.hubmapseg.core.geom;

import io.github.hubmapseg.core.kaggle.Polygon;
import java.util.List;
import java.util.Objects;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;

/**
 * One foreground object of a mask: an outer ring and its holes in level-0 pixel coordinates (x = column,
 * y = row, a pixel covers {@code [x, x + 1) x [y, y + 1)}; the mask is the set of pixels whose centre is inside
 * the shell and outside every hole, even-odd rule), with its measurements.
 *
 * @param shell     outer ring; its signed area (shoelace on the coordinate numbers) is positive
 * @param holes     interior rings, signed area negative
 * @param area      foreground pixels of the object at level 0
 * @param meanValue mean of the values (probabilities) over those pixels, {@code NaN} when none were given
 * @param meanScore mean of a second per-pixel value over those pixels (the 10th place's energy score), {@code NaN}
 *                  when none was given
 */
public record MaskPolygon(Polygon shell, List<Polygon> holes, long area, double meanValue, double meanScore) {

    /** An object without a second per-pixel value ({@code meanScore} NaN). */
    public MaskPolygon(Polygon shell, List<Polygon> holes, long area, double meanValue) {
        this(shell, holes, area, meanValue, Double.NaN);
    }

    /** Validates and copies the hole list. */
    public MaskPolygon {
        Objects.requireNonNull(shell, "shell");
        holes = List.copyOf(holes);
        if (area < 0) {
            throw new IllegalArgumentException("area must be >= 0, got " + area);
        }
    }

    /** Every ring, shell first. */
    public List<Polygon> rings() {
        java.util.ArrayList<Polygon> r = new java.util.ArrayList<>(holes.size() + 1);
        r.add(shell);
        r.addAll(holes);
        return r;
    }

    /** Total number of vertices over all rings. */
    public int vertexCount() {
        int n = shell.size();
        for (Polygon h : holes) {
            n += h.size();
        }
        return n;
    }

    /** The smallest pixel interval holding the shell (inclusive max, clamped at 0 below). */
    public Interval bounds() {
        double minX = Double.POSITIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < shell.size(); i++) {
            minX = Math.min(minX, shell.xs()[i]);
            maxX = Math.max(maxX, shell.xs()[i]);
            minY = Math.min(minY, shell.ys()[i]);
            maxY = Math.max(maxY, shell.ys()[i]);
        }
        long x0 = Math.max(0, (long) Math.floor(minX));
        long y0 = Math.max(0, (long) Math.floor(minY));
        long x1 = Math.max(x0, (long) Math.ceil(maxX) - 1);
        long y1 = Math.max(y0, (long) Math.ceil(maxY) - 1);
        return new FinalInterval(new long[] {x0, y0}, new long[] {x1, y1});
    }
}
