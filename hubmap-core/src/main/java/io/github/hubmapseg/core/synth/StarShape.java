package io.github.hubmapseg.core.synth;

import io.github.hubmapseg.core.kaggle.Polygon;

/**
 * A star-shaped blob: an ellipse (centre, semi-axes, rotation) whose radius is modulated by a few angular
 * harmonics, {@code R(phi) = 1 + sum_k amp[k] cos(k phi + phase[k])} for {@code k = 2, 3, ...}. Used for
 * glomeruli, vessels, the tissue outline and the medulla.
 *
 * <p>Membership is exact and deterministic: {@link #contains} uses only IEEE arithmetic and
 * {@link Math#sqrt} (correctly rounded), so the mask, its RLE and the rendered image agree on every pixel.
 * The harmonics are evaluated from {@code cos(phi), sin(phi)} by the Chebyshev recurrence, without
 * trigonometric calls. Coordinates are pixels; a pixel {@code (x, y)} is tested at its centre
 * {@code (x + 0.5, y + 0.5)}.
 */
public final class StarShape {

    private final double cx;
    private final double cy;
    private final double ra;
    private final double rb;
    private final double angle;
    private final double cosA;
    private final double sinA;
    private final double invA;
    private final double invB;
    private final double[] amp;
    private final double[] cph;
    private final double[] sph;
    private final double rMin2;
    private final double rMax2;
    private final double extent;
    private final double lipschitz;
    private final double rMinLin;

    /**
     * @param cx     centre column (pixels)
     * @param cy     centre row (pixels)
     * @param ra     semi-axis along the rotated x axis (pixels), {@code > 0}
     * @param rb     semi-axis along the rotated y axis (pixels), {@code > 0}
     * @param angle  rotation in radians
     * @param amp    amplitudes of harmonics {@code k = 2 .. amp.length + 1}; their absolute sum must be
     *               {@code < 0.5}
     * @param phase  phases of the harmonics, radians, same length as {@code amp}
     */
    public StarShape(double cx, double cy, double ra, double rb, double angle, double[] amp, double[] phase) {
        if (!(ra > 0) || !(rb > 0)) {
            throw new IllegalArgumentException("semi-axes must be > 0, got " + ra + " and " + rb);
        }
        if (amp.length != phase.length) {
            throw new IllegalArgumentException("amp and phase must have the same length, got " + amp.length + " and "
                    + phase.length);
        }
        double sum = 0;
        for (double a : amp) {
            sum += Math.abs(a);
        }
        if (sum >= 0.5) {
            throw new IllegalArgumentException("sum of |harmonic amplitudes| must be < 0.5, got " + sum);
        }
        this.cx = cx;
        this.cy = cy;
        this.ra = ra;
        this.rb = rb;
        this.angle = angle;
        this.cosA = StrictMath.cos(angle);
        this.sinA = StrictMath.sin(angle);
        this.invA = 1 / ra;
        this.invB = 1 / rb;
        this.amp = amp.clone();
        this.cph = new double[amp.length];
        this.sph = new double[amp.length];
        for (int i = 0; i < amp.length; i++) {
            cph[i] = StrictMath.cos(phase[i]);
            sph[i] = StrictMath.sin(phase[i]);
        }
        double lo = 1 - sum;
        double hi = 1 + sum;
        // a small safety margin keeps the fast paths strictly inside/outside the exact test
        this.rMin2 = lo * lo * (1 - 1e-9);
        this.rMax2 = hi * hi * (1 + 1e-9);
        this.extent = hi * Math.max(ra, rb);
        double lip = 0;
        for (int i = 0; i < amp.length; i++) {
            lip += (i + 2) * Math.abs(amp[i]);
        }
        this.lipschitz = lip;
        this.rMinLin = lo;
    }

    /** Centre column. */
    public double cx() {
        return cx;
    }

    /** Centre row. */
    public double cy() {
        return cy;
    }

    /** Semi-axis along the rotated x axis. */
    public double ra() {
        return ra;
    }

    /** Semi-axis along the rotated y axis. */
    public double rb() {
        return rb;
    }

    /** Rotation in radians. */
    public double angle() {
        return angle;
    }

    /** Radius of a centred disc that contains the shape. */
    public double extent() {
        return extent;
    }

    /** Smallest column whose pixel centre may be inside. */
    public long minX() {
        return (long) Math.floor(cx - extent - 1);
    }

    /** Largest column whose pixel centre may be inside. */
    public long maxX() {
        return (long) Math.ceil(cx + extent + 1);
    }

    /** Smallest row whose pixel centre may be inside. */
    public long minY() {
        return (long) Math.floor(cy - extent - 1);
    }

    /** Largest row whose pixel centre may be inside. */
    public long maxY() {
        return (long) Math.ceil(cy + extent + 1);
    }

    /** Whether the point {@code (x, y)} (pixel units) lies inside the shape. */
    public boolean contains(double x, double y) {
        double dx = x - cx;
        double dy = y - cy;
        double u = (dx * cosA + dy * sinA) * invA;
        double v = (dy * cosA - dx * sinA) * invB;
        double r2 = u * u + v * v;
        if (r2 < rMin2) {
            return true;
        }
        if (r2 >= rMax2) {
            return false;
        }
        double r = Math.sqrt(r2);
        return r < radius(u / r, v / r);
    }

    /** Whether the pixel {@code (x, y)} (tested at its centre) is inside. */
    public boolean containsPixel(long x, long y) {
        return contains(x + 0.5, y + 0.5);
    }

    /**
     * The normalised level {@code rho / R(phi)} of a point: {@code < 1} inside, {@code 1} on the boundary,
     * growing outwards ({@code 0} at the centre). Used for rendering bands (capsule, lumen); membership
     * itself is {@link #contains}.
     */
    public double level(double x, double y) {
        double dx = x - cx;
        double dy = y - cy;
        double u = (dx * cosA + dy * sinA) * invA;
        double v = (dy * cosA - dx * sinA) * invB;
        double r2 = u * u + v * v;
        if (r2 == 0) {
            return 0;
        }
        double r = Math.sqrt(r2);
        return r / radius(u / r, v / r);
    }

    /** {@link #probe} result: outside, level below the limit. */
    static final double NEAR = -1;
    /** {@link #probe} result: outside, level at or above the limit. */
    static final double FAR = -2;

    /**
     * {@link #contains}, {@link #level} and {@link #levelBelow} in one evaluation (one radius at most), with
     * exactly their values: the level ({@code >= 0}) if the point is inside, else {@link #NEAR} if
     * {@code levelBelow(x, y, limit)}, else {@link #FAR}.
     *
     * @param limit ring limit, {@code >= 1}
     */
    double probe(double x, double y, double limit) {
        double dx = x - cx;
        double dy = y - cy;
        double u = (dx * cosA + dy * sinA) * invA;
        double v = (dy * cosA - dx * sinA) * invB;
        double r2 = u * u + v * v;
        double l2 = limit * limit;
        if (r2 >= rMax2 * l2) {
            return FAR; // limit >= 1: also outside
        }
        if (r2 < rMin2) {
            if (r2 == 0) {
                return 0;
            }
            double r = Math.sqrt(r2);
            return r / radius(u / r, v / r);
        }
        double r = Math.sqrt(r2);
        double rad = radius(u / r, v / r);
        if (r2 < rMax2 && r < rad) {
            return r / rad;
        }
        if (r2 < rMin2 * l2) {
            return NEAR;
        }
        return r / rad < limit ? NEAR : FAR;
    }

    /**
     * Whether {@link #probe} with this {@code limit} is {@code FAR} at every point within {@code halfDiagonal} of
     * {@code (x, y)} (conservative: false when unsure).
     */
    boolean farFromDisc(double x, double y, double halfDiagonal, double limit) {
        double dx = x - cx;
        double dy = y - cy;
        double u = (dx * cosA + dy * sinA) * invA;
        double v = (dy * cosA - dx * sinA) * invB;
        double eps = halfDiagonal / Math.min(ra, rb);
        return Math.sqrt(u * u + v * v) - eps > Math.sqrt(rMax2) * limit * (1 + 1e-9);
    }

    /**
     * Whether every point within {@code halfDiagonal} of {@code (x, y)} is inside the shape's inner circle, where
     * {@link #probe} returns a level {@code >= 0} (conservative: false when unsure).
     */
    boolean coversDisc(double x, double y, double halfDiagonal) {
        double dx = x - cx;
        double dy = y - cy;
        double u = (dx * cosA + dy * sinA) * invA;
        double v = (dy * cosA - dx * sinA) * invB;
        double eps = halfDiagonal / Math.min(ra, rb);
        return Math.sqrt(u * u + v * v) + eps < Math.sqrt(rMin2) * (1 - 1e-9);
    }

    /**
     * Whether {@link #level} of the point is below {@code limit} (e.g. {@code 1.1} for a ring of 10% around
     * the shape), with fast paths that avoid the harmonic evaluation far from the boundary.
     */
    public boolean levelBelow(double x, double y, double limit) {
        double dx = x - cx;
        double dy = y - cy;
        double u = (dx * cosA + dy * sinA) * invA;
        double v = (dy * cosA - dx * sinA) * invB;
        double r2 = u * u + v * v;
        double l2 = limit * limit;
        if (r2 >= rMax2 * l2) {
            return false;
        }
        if (r2 < rMin2 * l2) {
            return true;
        }
        return level(x, y) < limit;
    }

    /**
     * Classifies every point within {@code halfDiagonal} pixels of {@code (x, y)}: {@code 1} if all are
     * certainly inside, {@code -1} if all are certainly outside, {@code 0} if undecided (test each point with
     * {@link #contains}). Uses a Lipschitz bound of the level function; used to skip per-pixel tests for
     * blocks far from the boundary.
     */
    public int classifyDisc(double x, double y, double halfDiagonal) {
        double dx = x - cx;
        double dy = y - cy;
        double u = (dx * cosA + dy * sinA) * invA;
        double v = (dy * cosA - dx * sinA) * invB;
        double rho = Math.sqrt(u * u + v * v);
        double eps = halfDiagonal / Math.min(ra, rb);
        if (rho <= 2 * eps) {
            return (rho + eps) / rMinLin < 1 - 1e-6 ? 1 : 0;
        }
        double rad = radius(u / rho, v / rho);
        double dPhi = eps / (rho - eps) * (Math.PI / 2);
        double hiDen = Math.max(rMinLin, rad - lipschitz * dPhi);
        double hi = (rho + eps) / hiDen;
        double lo = (rho - eps) / (rad + lipschitz * dPhi);
        if (hi < 1 - 1e-6) {
            return 1;
        }
        if (lo > 1 + 1e-6) {
            return -1;
        }
        return 0;
    }

    /** {@code R(phi)} from {@code cos(phi), sin(phi)}. */
    private double radius(double c1, double s1) {
        double ck = c1;
        double sk = s1;
        double rad = 1;
        for (int i = 0; i < amp.length; i++) {
            double cn = ck * c1 - sk * s1;
            double sn = sk * c1 + ck * s1;
            ck = cn;
            sk = sn;
            rad += amp[i] * (ck * cph[i] - sk * sph[i]);
        }
        return rad;
    }

    /** The boundary sampled at {@code n} equally spaced angles, in pixel coordinates. */
    public Polygon polygon(int n) {
        if (n < 3) {
            throw new IllegalArgumentException("n must be >= 3, got " + n);
        }
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int j = 0; j < n; j++) {
            double phi = 2 * Math.PI * j / n;
            double c = StrictMath.cos(phi);
            double s = StrictMath.sin(phi);
            double rad = radius(c, s);
            double u = rad * c * ra;
            double v = rad * s * rb;
            xs[j] = cx + u * cosA - v * sinA;
            ys[j] = cy + u * sinA + v * cosA;
        }
        return new Polygon(xs, ys);
    }
}
