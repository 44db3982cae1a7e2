package io.github.hubmapseg.core.geom;

import io.github.hubmapseg.core.kaggle.Polygon;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Traces the outlines of a binary mask that arrives row by row, top to bottom, and never holds the mask: the
 * state is the previous row's runs, the open boundary fragments crossing the current row and the components
 * still open, so memory is {@code O(width)} plus the objects that cross the current row. A polygon that
 * continues into later rows (or bands) is simply continued; objects are handed out (see {@link #poll()}) as
 * soon as their outline closes.
 *
 * <p><b>Objects</b> are the 8-connected foreground components (the same components as the small-component
 * filter of the sliding-window engine and scikit-image's default {@code label}); background is 4-connected, so
 * an enclosed 4-connected background region is a hole of the component around it. Each object is one
 * {@link MaskPolygon}: the outer ring and its holes.
 *
 * <p><b>Coordinates.</b> The outline follows the pixel edges with every corner cut by half a pixel (a vertex
 * at the middle of each edge next to a corner). Cutting a corner by half a pixel moves the outline across no
 * pixel centre, so the polygons rasterised by {@link Polygons#fill} (pixel centres, even-odd) give back the
 * mask exactly; and diagonal neighbours of an 8-connected object are joined by a narrow neck instead of a ring
 * that touches itself, so every ring is simple. With {@code reduce > 1} the rows are a {@code 1/reduce} grid
 * of a level-0 image of {@code fullWidth x fullHeight} (pixel {@code (x, y)} of level 0 takes grid cell
 * {@code (x / reduce, y / reduce)}, the last cells cropped): coordinates, areas and means are of that level-0
 * mask, and the half-pixel corner cuts are level-0 pixels, so the round trip stays exact at level 0.
 * Consecutive collinear vertices are removed. Shells have positive signed area on the coordinate numbers
 * (counter-clockwise if y pointed up, RFC 7946's rule), holes negative.
 */
public final class ContourTracer {

    private static final int R = 0;
    private static final int L = 1;
    private static final int D = 2;
    private static final int U = 3;
    private static final int[] DX = {1, -1, 0, 0};
    private static final int[] DY = {0, 0, 1, -1};

    private final int gw;
    private final int gh;
    private final int reduce;
    private final long fullWidth;
    private final long fullHeight;
    private final long minPixels;
    private final long[] colCum;
    private final ArrayDeque<MaskPolygon> done = new ArrayDeque<>();

    private int line;
    private Runs prev = new Runs();
    private Runs cur = new Runs();
    private Frag[] upPort;
    private Frag[] downPort;
    private int openFragments;
    private boolean valuesGiven;
    private boolean scoresGiven;

    // chain state of the line scan
    private int openX;
    private boolean openUp;
    private boolean openRight;

    private ContourTracer(int gw, int gh, int reduce, long fullWidth, long fullHeight, long minPixels) {
        this.gw = gw;
        this.gh = gh;
        this.reduce = reduce;
        this.fullWidth = fullWidth;
        this.fullHeight = fullHeight;
        this.minPixels = minPixels;
        this.colCum = new long[gw + 1];
        for (int x = 0; x < gw; x++) {
            colCum[x + 1] = colCum[x] + Math.min(reduce, fullWidth - (long) x * reduce);
        }
        this.upPort = new Frag[gw + 1];
        this.downPort = new Frag[gw + 1];
    }

    /**
     * A tracer of a {@code width x height} mask at level 0.
     *
     * @throws IllegalArgumentException if a side is below 1 or above 2^30 pixels
     */
    public static ContourTracer of(long width, long height) {
        return scaled(width, height, 1, 0);
    }

    /**
     * A tracer whose rows are a {@code 1 / reduce} grid of a level-0 mask of {@code fullWidth x fullHeight}
     * (the grid is {@code ceil(fullWidth / reduce) x ceil(fullHeight / reduce)}).
     *
     * @param reduce    grid cell side in level-0 pixels, {@code >= 1}
     * @param minPixels objects with fewer grid cells are dropped ({@code <= 1}: none), the rule of the engine's
     *                  small-component filter
     * @throws IllegalArgumentException if a side is below 1 or above 2^30 pixels, or {@code reduce < 1}
     */
    public static ContourTracer scaled(long fullWidth, long fullHeight, int reduce, long minPixels) {
        if (reduce < 1) {
            throw new IllegalArgumentException("reduce must be >= 1, got " + reduce);
        }
        if (fullWidth < 1 || fullHeight < 1 || fullWidth > (1L << 30) || fullHeight > (1L << 30)) {
            throw new IllegalArgumentException("mask size must be 1 .. 2^30 pixels per side, got " + fullWidth + " x "
                    + fullHeight);
        }
        long gw = (fullWidth + reduce - 1) / reduce;
        long gh = (fullHeight + reduce - 1) / reduce;
        return new ContourTracer((int) gw, (int) gh, reduce, fullWidth, fullHeight, minPixels);
    }

    /** Grid width (row length expected by {@link #addRow}). */
    public int width() {
        return gw;
    }

    /** Grid height (number of rows expected). */
    public int height() {
        return gh;
    }

    /** Rows added so far. */
    public int rowsAdded() {
        return Math.min(line, gh);
    }

    /**
     * Adds the next row.
     *
     * @param mask   row bytes, non-zero = foreground, {@code mask[off .. off + width())}
     * @param off    offset of the row in {@code mask}
     * @param values per-cell values (probabilities) to average over each object, or {@code null}
     * @param voff   offset of the row in {@code values}
     * @throws IllegalStateException if every row was already added
     */
    public void addRow(byte[] mask, int off, float[] values, int voff) {
        addRow(mask, off, values, voff, null, 0);
    }

    /**
     * Adds the next row with a second per-cell value averaged over each object as {@link MaskPolygon#meanScore}
     * (the energy score of the 10th place), weighted like {@code values}.
     *
     * @param scores per-cell second values, or {@code null}; must be given for every row or for none
     * @param soff   offset of the row in {@code scores}
     * @throws IllegalStateException if every row was already added
     */
    public void addRow(byte[] mask, int off, float[] values, int voff, float[] scores, int soff) {
        if (line >= gh) {
            throw new IllegalStateException("all " + gh + " rows were already added");
        }
        if (off < 0 || off + gw > mask.length) {
            throw new IllegalArgumentException("row of " + gw + " cells at offset " + off + " does not fit "
                    + mask.length + " bytes");
        }
        if (values != null && (voff < 0 || voff + gw > values.length)) {
            throw new IllegalArgumentException("row of " + gw + " values at offset " + voff + " does not fit "
                    + values.length + " values");
        }
        if (scores != null && (soff < 0 || soff + gw > scores.length)) {
            throw new IllegalArgumentException("row of " + gw + " scores at offset " + soff + " does not fit "
                    + scores.length + " values");
        }
        cur.scan(mask, off, gw);
        valuesGiven |= values != null;
        scoresGiven |= scores != null;
        label(values, voff);
        score(scores, soff);
        scanLine();
        advance();
    }

    /**
     * Closes the last row. Every object has then been handed out.
     *
     * @throws IllegalStateException if fewer than {@code height()} rows were added
     */
    public void finish() {
        if (line != gh) {
            throw new IllegalStateException("finish() after " + line + " of " + gh + " rows");
        }
        cur.n = 0;
        scanLine();
        advance();
        if (openFragments != 0) {
            throw new IllegalStateException("internal error: " + openFragments + " outline fragments left open");
        }
    }

    /** The next finished object (in the order their outlines closed), or {@code null} if none is waiting. */
    public MaskPolygon poll() {
        return done.pollFirst();
    }

    // ------------------------------------------------------------------ components

    private static final class Comp {
        Comp parent = this;
        long pixels;
        long area;
        double sum;
        double scoreSum;
        List<Polygon> holes;
    }

    private static Comp find(Comp c) {
        while (c.parent != c) {
            c.parent = c.parent.parent;
            c = c.parent;
        }
        return c;
    }

    private static Comp union(Comp a, Comp b) {
        a = find(a);
        b = find(b);
        if (a == b) {
            return a;
        }
        if (a.pixels < b.pixels) {
            Comp t = a;
            a = b;
            b = t;
        }
        b.parent = a;
        a.pixels += b.pixels;
        a.area += b.area;
        a.sum += b.sum;
        a.scoreSum += b.scoreSum;
        if (b.holes != null) {
            if (a.holes == null) {
                a.holes = b.holes;
            } else {
                a.holes.addAll(b.holes);
            }
            b.holes = null;
        }
        return a;
    }

    private static final class Runs {
        int[] start = new int[16];
        int[] end = new int[16];
        Comp[] comp = new Comp[16];
        int n;

        void scan(byte[] m, int off, int w) {
            n = 0;
            int x = 0;
            while (x < w) {
                if (m[off + x] == 0) {
                    x++;
                    continue;
                }
                int s = x;
                while (x < w && m[off + x] != 0) {
                    x++;
                }
                if (n == start.length) {
                    start = Arrays.copyOf(start, n * 2);
                    end = Arrays.copyOf(end, n * 2);
                    comp = Arrays.copyOf(comp, n * 2);
                }
                start[n] = s;
                end[n] = x;
                n++;
            }
        }

        /** The component of the run holding column x (which must be foreground). */
        Comp at(int x) {
            int lo = 0;
            int hi = n - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (start[mid] <= x) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            if (n == 0 || start[lo] > x || end[lo] <= x) {
                throw new IllegalStateException("internal error: column " + x + " is not foreground");
            }
            return find(comp[lo]);
        }
    }

    /** Adds the row's second values to the components {@link #label} gave its runs. */
    private void score(float[] scores, int soff) {
        if (scores == null) {
            return;
        }
        long rowW = Math.min(reduce, fullHeight - (long) line * reduce);
        for (int k = 0; k < cur.n; k++) {
            double sum = 0;
            for (int x = cur.start[k]; x < cur.end[k]; x++) {
                sum += reduce == 1 ? scores[soff + x] : scores[soff + x] * (double) (colCum[x + 1] - colCum[x]);
            }
            find(cur.comp[k]).scoreSum += sum * rowW;
        }
    }

    private void label(float[] values, int voff) {
        long rowW = Math.min(reduce, fullHeight - (long) line * reduce);
        int p = 0;
        for (int k = 0; k < cur.n; k++) {
            int s = cur.start[k];
            int e = cur.end[k];
            // 8-connectivity: [s1, e1) and [s2, e2) touch if s1 <= e2 && s2 <= e1
            while (p < prev.n && prev.end[p] < s) {
                p++;
            }
            Comp c = null;
            for (int q = p; q < prev.n && prev.start[q] <= e; q++) {
                c = c == null ? find(prev.comp[q]) : union(c, prev.comp[q]);
            }
            if (c == null) {
                c = new Comp();
            }
            c.pixels += e - s;
            c.area += (colCum[e] - colCum[s]) * rowW;
            if (values != null) {
                double sum = 0;
                if (reduce == 1) {
                    for (int x = s; x < e; x++) {
                        sum += values[voff + x];
                    }
                } else {
                    for (int x = s; x < e; x++) {
                        sum += values[voff + x] * (double) (colCum[x + 1] - colCum[x]);
                    }
                }
                c.sum += sum * rowW;
            }
            cur.comp[k] = c;
        }
        for (int k = 0; k < cur.n; k++) {
            cur.comp[k] = find(cur.comp[k]);
        }
    }

    private void advance() {
        Runs t = prev;
        prev = cur;
        cur = t;
        Frag[] f = upPort;
        upPort = downPort;
        downPort = f;
        Arrays.fill(downPort, null);
        line++;
    }

    // ------------------------------------------------------------------ outline fragments

    /** A directed piece of outline; its tail and head are open ends at vertical pixel edges. */
    private static final class Frag {
        long[] pts = new long[16];
        int first = 8;
        int last = 8; // exclusive
        int headX;
        int headRow;
        int tailX;
        int tailRow;

        int size() {
            return last - first;
        }

        void addLast(long p) {
            if (last == pts.length) {
                grow(0, size() + 16);
            }
            pts[last++] = p;
        }

        void addFirst(long p) {
            if (first == 0) {
                grow(size() + 16, 0);
            }
            pts[--first] = p;
        }

        /** Appends the four corners of a horizontal chain, in order. */
        void addLast(long p0, long p1, long p2, long p3) {
            addLast(p0);
            addLast(p1);
            addLast(p2);
            addLast(p3);
        }

        /** Prepends the four corners of a horizontal chain, keeping their order ({@code p0} becomes the first). */
        void addFirst(long p0, long p1, long p2, long p3) {
            addFirst(p3);
            addFirst(p2);
            addFirst(p1);
            addFirst(p0);
        }

        void addAllLast(Frag o) {
            int n = o.size();
            if (last + n > pts.length) {
                grow(0, Math.max(n, size()));
            }
            System.arraycopy(o.pts, o.first, pts, last, n);
            last += n;
        }

        void addAllFirst(Frag o) {
            int n = o.size();
            if (first < n) {
                grow(Math.max(n, size()), 0);
            }
            first -= n;
            System.arraycopy(o.pts, o.first, pts, first, n);
        }

        private void grow(int front, int back) {
            int n = size();
            long[] np = new long[front + n + back + (pts.length - n)];
            int nf = first + front;
            System.arraycopy(pts, first, np, nf, n);
            pts = np;
            first = nf;
            last = nf + n;
        }
    }

    private Frag[] table(int row) {
        return row == line ? downPort : upPort;
    }

    private long corner(int x, int y, int din, int dout, boolean second) {
        long cx = 2 * Math.min((long) x * reduce, fullWidth);
        long cy = 2 * Math.min((long) y * reduce, fullHeight);
        if (second) {
            cx += DX[dout];
            cy += DY[dout];
        } else {
            cx -= DX[din];
            cy -= DY[din];
        }
        return (cx << 32) | (cy & 0xffffffffL);
    }

    private void scanLine() {
        openX = -1;
        int[] ps = prev.start;
        int[] pe = prev.end;
        int[] cs = cur.start;
        int[] ce = cur.end;
        int pn = prev.n * 2;
        int cn = cur.n * 2;
        int pi = 0;
        int ci = 0;
        boolean pState = false;
        boolean cState = false;
        while (pi < pn || ci < cn) {
            int px = pi < pn ? ((pi & 1) == 0 ? ps[pi >> 1] : pe[pi >> 1]) : Integer.MAX_VALUE;
            int cx = ci < cn ? ((ci & 1) == 0 ? cs[ci >> 1] : ce[ci >> 1]) : Integer.MAX_VALUE;
            int x = Math.min(px, cx);
            boolean a = pState;
            boolean c = cState;
            if (px == x) {
                pState = !pState;
                pi++;
            }
            if (cx == x) {
                cState = !cState;
                ci++;
            }
            vertex(x, a, pState, c, cState);
        }
    }

    private void vertex(int x, boolean a, boolean b, boolean c, boolean d) {
        boolean hasUp = a != b;
        boolean hasDown = c != d;
        boolean hl = a != c;
        if (hasUp && hasDown) {
            if (hl) {
                // saddle: 8-connected foreground joins the two diagonal pixels
                if (a) {
                    connect(x, false);
                    open(x, true, d);
                } else {
                    connect(x, true);
                    open(x, false, d);
                }
            } else {
                passThrough(x);
            }
        } else if (hasUp || hasDown) {
            if (hl) {
                connect(x, hasUp);
                openX = -1;
            } else {
                open(x, hasUp, d);
            }
        }
    }

    private void open(int x, boolean up, boolean right) {
        openX = x;
        openUp = up;
        openRight = right;
    }

    private void passThrough(int x) {
        Frag f = upPort[x];
        upPort[x] = null;
        if (f.headRow == line - 1 && f.headX == x) {
            f.headRow = line;
        } else {
            f.tailRow = line;
        }
        downPort[x] = f;
    }

    /** Joins the open port (start of the horizontal chain) with the port at {@code xe} along this line. */
    private void connect(int xe, boolean eUp) {
        int xs = openX;
        boolean sUp = openUp;
        int y = line;
        // the contour enters the chain at one port and leaves it at the other: left to right when openRight
        int dir = openRight ? R : L;
        int entryX = openRight ? xs : xe;
        boolean entryUp = openRight ? sUp : eUp;
        int exitX = openRight ? xe : xs;
        boolean exitUp = openRight ? eUp : sUp;
        int din = entryUp ? D : U;
        int dout = exitUp ? U : D;
        long p0 = corner(entryX, y, din, dir, false);
        long p1 = corner(entryX, y, din, dir, true);
        long p2 = corner(exitX, y, dir, dout, false);
        long p3 = corner(exitX, y, dir, dout, true);
        if (entryUp && exitUp) {
            Frag e = upPort[entryX];
            Frag t = upPort[exitX];
            upPort[entryX] = null;
            upPort[exitX] = null;
            e.addLast(p0, p1, p2, p3);
            if (e == t) {
                close(e, xs, openRight);
            } else if (e.size() >= t.size()) {
                e.addAllLast(t);
                e.headX = t.headX;
                e.headRow = t.headRow;
                table(e.headRow)[e.headX] = e;
                openFragments--;
            } else {
                t.addAllFirst(e);
                t.tailX = e.tailX;
                t.tailRow = e.tailRow;
                table(t.tailRow)[t.tailX] = t;
                openFragments--;
            }
        } else if (entryUp) {
            Frag e = upPort[entryX];
            upPort[entryX] = null;
            e.addLast(p0, p1, p2, p3);
            e.headX = exitX;
            e.headRow = line;
            downPort[exitX] = e;
        } else if (exitUp) {
            Frag t = upPort[exitX];
            upPort[exitX] = null;
            t.addFirst(p0, p1, p2, p3);
            t.tailX = entryX;
            t.tailRow = line;
            downPort[entryX] = t;
        } else {
            Frag n = new Frag();
            n.addLast(p0, p1, p2, p3);
            n.tailX = entryX;
            n.tailRow = line;
            n.headX = exitX;
            n.headRow = line;
            downPort[entryX] = n;
            downPort[exitX] = n;
            openFragments++;
        }
    }

    /** A fragment whose head met its tail: a finished ring. */
    private void close(Frag f, int xs, boolean chainRight) {
        openFragments--;
        Polygon ring = ring(f);
        // the foreground pixel next to the closing chain belongs to the ring's component
        Comp c = chainRight ? cur.at(xs) : prev.at(xs);
        if (ring == null) {
            return;
        }
        if (Polygons.signedArea(ring) < 0) {
            if (c.holes == null) {
                c.holes = new ArrayList<>();
            }
            c.holes.add(ring);
        } else if (c.pixels >= minPixels) {
            double mean = valuesGiven ? c.sum / c.area : Double.NaN;
            double score = scoresGiven ? c.scoreSum / c.area : Double.NaN;
            done.addLast(new MaskPolygon(ring, c.holes == null ? List.of() : c.holes, c.area, mean, score));
            c.holes = null;
        }
    }

    /** The ring's points without repeated or collinear vertices, in level-0 pixels. */
    private static Polygon ring(Frag f) {
        long[] out = new long[f.size()];
        int n = 0;
        for (int i = f.first; i < f.last; i++) {
            long p = f.pts[i];
            if (n > 0 && out[n - 1] == p) {
                continue;
            }
            while (n >= 2 && collinear(out[n - 2], out[n - 1], p)) {
                n--;
            }
            out[n++] = p;
        }
        // wrap-around: drop a last point equal to the first, then collinear points at the seam
        boolean changed = true;
        while (changed && n >= 3) {
            changed = false;
            if (out[n - 1] == out[0]) {
                n--;
                changed = true;
            } else if (collinear(out[n - 2], out[n - 1], out[0])) {
                n--;
                changed = true;
            } else if (collinear(out[n - 1], out[0], out[1])) {
                System.arraycopy(out, 1, out, 0, n - 1);
                n--;
                changed = true;
            }
        }
        if (n < 3) {
            return null;
        }
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = (out[i] >> 32) / 2.0;
            ys[i] = ((int) out[i]) / 2.0;
        }
        return new Polygon(xs, ys);
    }

    private static boolean collinear(long a, long b, long c) {
        long ax = a >> 32;
        long ay = (int) a;
        long bx = b >> 32;
        long by = (int) b;
        long cx = c >> 32;
        long cy = (int) c;
        return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax) == 0;
    }
}
