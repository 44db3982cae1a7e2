package io.github.hubmapseg.core.geom;

import io.github.hubmapseg.core.kaggle.Polygon;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.LinearRing;
import org.locationtech.jts.simplify.TopologyPreservingSimplifier;

/**
 * Rasterisation, orientation and simplification of polygons.
 *
 * <p>Rasterisation is the project's one rule for turning polygons into pixels (the same rule as
 * {@link Polygon#contains} and the synthetic ground truth): a cell is inside when its centre is, by the even-odd
 * rule over all rings given (so holes cut out), computed by scanlines with half-open crossings.
 */
public final class Polygons {

    private Polygons() {
    }

    /** Signed shoelace area on the coordinate numbers: positive for counter-clockwise rings when y points up. */
    public static double signedArea(Polygon p) {
        double s = 0;
        double[] xs = p.xs();
        double[] ys = p.ys();
        int n = xs.length;
        for (int i = 0, j = n - 1; i < n; j = i++) {
            s += xs[j] * ys[i] - xs[i] * ys[j];
        }
        return s / 2;
    }

    /** The ring with its vertex order reversed. */
    public static Polygon reversed(Polygon p) {
        int n = p.size();
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = p.xs()[n - 1 - i];
            ys[i] = p.ys()[n - 1 - i];
        }
        return new Polygon(xs, ys);
    }

    /**
     * Sets to {@code value} every cell of a {@code cw x ch} row-major map whose centre
     * {@code ((cx + 0.5) cell, (cy + 0.5) cell)} lies inside the rings (even-odd over all of them).
     *
     * @param rings the rings (a shell and its holes, or any set)
     * @param cell  cell side in pixels, {@code >= 1} (1 = pixels)
     * @param out   the map, {@code cw * ch} bytes
     * @param cw    map width in cells
     * @param ch    map height in cells
     * @param value the value to set
     */
    public static void fill(List<Polygon> rings, int cell, byte[] out, int cw, int ch, byte value) {
        if (cell < 1) {
            throw new IllegalArgumentException("cell must be >= 1, got " + cell);
        }
        if ((long) cw * ch > out.length) {
            throw new IllegalArgumentException("map of " + cw + " x " + ch + " does not fit " + out.length + " bytes");
        }
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        int edges = 0;
        for (Polygon p : rings) {
            edges += p.size();
            for (double y : p.ys()) {
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y);
            }
        }
        if (edges == 0) {
            return;
        }
        double[] cross = new double[edges];
        int cy0 = (int) Math.max(0, Math.floor(minY / cell - 0.5));
        int cy1 = (int) Math.min(ch - 1L, Math.ceil(maxY / cell));
        for (int cy = cy0; cy <= cy1; cy++) {
            double y = (cy + 0.5) * cell;
            int k = 0;
            for (Polygon p : rings) {
                double[] xs = p.xs();
                double[] ys = p.ys();
                int n = xs.length;
                for (int i = 0, j = n - 1; i < n; j = i++) {
                    if ((ys[i] > y) != (ys[j] > y)) {
                        cross[k++] = (xs[j] - xs[i]) * (y - ys[i]) / (ys[j] - ys[i]) + xs[i];
                    }
                }
            }
            Arrays.sort(cross, 0, k);
            for (int c = 0; c + 1 < k; c += 2) {
                // cell centres x = (cx + 0.5) * cell with cross[c] <= x < cross[c + 1]
                int from = (int) Math.max(0, Math.ceil(cross[c] / cell - 0.5));
                int to = (int) Math.min(cw - 1L, Math.ceil(cross[c + 1] / cell - 0.5) - 1);
                if (from <= to) {
                    Arrays.fill(out, cy * cw + from, cy * cw + to + 1, value);
                }
            }
        }
    }

    /**
     * Rasterises objects into a {@code width x height} row-major mask (1 inside an object, 0 elsewhere).
     *
     * @throws IllegalArgumentException if the mask would exceed 2^31 - 1 bytes
     */
    public static byte[] rasterize(List<MaskPolygon> objects, int width, int height) {
        long n = (long) width * height;
        if (width < 0 || height < 0 || n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("mask of " + width + " x " + height + " pixels is too large for one "
                    + "array; rasterise a window instead");
        }
        byte[] out = new byte[(int) n];
        for (MaskPolygon o : objects) {
            fill(o.rings(), 1, out, width, height, (byte) 1);
        }
        return out;
    }

    /**
     * Simplifies an object's rings with JTS's {@link TopologyPreservingSimplifier} (Douglas-Peucker that keeps
     * rings simple and holes inside the shell). Measurements are kept (they describe the mask, not the polygon).
     *
     * @param tolerance distance tolerance in pixels; {@code <= 0} returns the object unchanged
     */
    public static MaskPolygon simplify(MaskPolygon o, double tolerance) {
        if (!(tolerance > 0)) {
            return o;
        }
        GeometryFactory gf = new GeometryFactory();
        LinearRing shell = gf.createLinearRing(coords(o.shell()));
        LinearRing[] holes = new LinearRing[o.holes().size()];
        for (int i = 0; i < holes.length; i++) {
            holes[i] = gf.createLinearRing(coords(o.holes().get(i)));
        }
        Geometry g = TopologyPreservingSimplifier.simplify(gf.createPolygon(shell, holes), tolerance);
        if (!(g instanceof org.locationtech.jts.geom.Polygon jp) || jp.isEmpty()) {
            return o;
        }
        Polygon s = ring(jp.getExteriorRing().getCoordinates(), true);
        List<Polygon> hs = new ArrayList<>();
        for (int i = 0; i < jp.getNumInteriorRing(); i++) {
            Polygon h = ring(jp.getInteriorRingN(i).getCoordinates(), false);
            if (h != null) {
                hs.add(h);
            }
        }
        return s == null ? o : new MaskPolygon(s, hs, o.area(), o.meanValue(), o.meanScore());
    }

    private static Coordinate[] coords(Polygon p) {
        int n = p.size();
        Coordinate[] c = new Coordinate[n + 1];
        for (int i = 0; i < n; i++) {
            c[i] = new Coordinate(p.xs()[i], p.ys()[i]);
        }
        c[n] = c[0];
        return c;
    }

    /** A JTS ring (closed coordinate list) as a Polygon with the given orientation; null if degenerate. */
    private static Polygon ring(Coordinate[] c, boolean positive) {
        int n = c.length - 1;
        if (n < 3) {
            return null;
        }
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = c[i].x;
            ys[i] = c[i].y;
        }
        Polygon p = new Polygon(xs, ys);
        return (signedArea(p) > 0) == positive ? p : reversed(p);
    }
}
