package io.github.hubmapseg.tiling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The "combine" of sliding-window inference: finishes output rows from the predictions of the tiles that
 * cover them, {@code out = sum_t w_t * p_t / sum_t w_t} per pixel with the tile weight map of a
 * {@link Weighting} (conventions of {@code stitch.json}).
 *
 * <p>Predictions are {@code T x T} row-major arrays (the output tile only, without the expansion), passed as
 * {@code tiles[tileRow][tileCol]}; only the tile rows covering the requested output rows are read, so
 * callers may drop ({@code null}) rows that no longer cover unfinished output.
 *
 * <p><b>float32, separable weights</b> (mean, untruncated Gaussian: {@code w = u[i] * u[j]}), the engine's
 * path, {@link #stitchRows}, blends incrementally: {@code h = P_first; h += c (P - h)} per further covering
 * tile, with {@code c} the tile's weight over the sum of the weights so far; in exact arithmetic this is the
 * weighted mean, equal predictions blend to exactly that value (an identity model returns its input bit for
 * bit) and a pixel covered by one tile is that tile's value. Two orders, which differ in the last bits (both
 * within 1e-6 of the float64 blend for values in [0, 1)):
 * <ul>
 * <li>with the Vector API ({@link Vectorization#enabled()}), the <i>tile pass</i>: {@value #PASS_ROWS} output
 * rows at a time, tile by tile in raster order, each tile's lines of these rows read in one run and blended
 * straight into the output lines ({@link #tilePass}; arithmetic in {@link BlendKernel}). Scratch: a few
 * tile-sized weight rows.
 * <li>without it, the <i>strip blend</i> (same-index loops, which HotSpot's C2 vectorizes by itself): rows in
 * chunks of 8; first the chunk's lines of every covering tile are copied, tile by tile, into "strips": one row
 * of the image's width per strip, at the tile's x, where the tile columns are split into a few strips whose
 * tiles do not overlap (2 when {@code S >= T / 2}); then each row is blended across strips and tile rows,
 * {@code h = P_0; h += c_s (P_s - h)} per strip with {@code c_s = u_s / (u_0 + ... + u_s)} (0 where strip
 * {@code s} does not cover x: its never-written positions hold 0), then the same across tile rows with the
 * vertical factors. Scratch: {@code (tile rows covering a chunk) x strips x CHUNK x width} floats per thread.
 * </ul>
 * Either gives the same bits for any split into calls, bands and threads. A non-finite prediction (not a
 * probability) may turn the other pixels of its tile into NaN.
 *
 * <p><b>float64</b> (the precision of the conformance vectors), non-separable weights (a truncated Gaussian)
 * and grids with many overlapping tiles ({@code S < T / 3}) use the row blend: per x segment with a constant
 * set of covering tiles, a plain copy where one tile covers, else
 * {@code p_first + sum_{t > first} (w_t / W) (p_t - p_first)} in double.
 *
 * <p>Nothing the size of the image is allocated. Not thread-safe (holds scratch rows); use one per thread.
 */
public final class Stitcher {

    /** Output rows finished together by the float strip blend. */
    static final int CHUNK = 8;
    /** Output rows finished together by the tile pass. */
    static final int PASS_ROWS = 64;
    /** The strip blend is used up to this many strips (else the row blend). */
    private static final int MAX_STRIPS = 3;

    private final int tile;
    private final int height;
    private final int width;
    private final long[] ys;
    private final long[] xs;
    private final double[] u;          // separable factor, or null
    private final double[] wMap;       // general map, when u is null
    private final double[][] nvD;      // per tile column: u[j] / Wx[x0 + j]
    private final int[] segA;
    private final int[] segB;
    private final int[] segCLo;
    private final int[] segCHi;
    /** Strip of each tile column (tiles of one strip do not overlap), or null: row blend only. */
    private final int[] stripOf;
    private final int strips;
    /** Per strip s >= 1: {@code u_s(x) / (u_0(x) + ... + u_s(x))}, 0 where strip s does not cover x. */
    private final float[][] stripWeight;
    private double[] numD;
    private double[] denD;
    private double[] segD;
    private double[] firstD;
    private double[] rowD;
    /** Strip rows {@code [slot][strip][row of chunk][x]}; a slot is a tile row covering the chunk. */
    private final List<float[][][]> gather = new ArrayList<>();
    private float[] h0;
    private float[] h1;
    private Stitcher[] workers;
    /** The blend arithmetic of the tile pass; null: the strip blend. */
    private final BlendKernel kernel;
    /**
     * Per tile column c: {@code u[j] / (sum of u over the columns <= c covering x = xs[c] + j)}, the weight of
     * column c in the fold across columns (in column order).
     */
    private final float[][] colWeight;
    /** Per row of a tile pass: its first and last covering tile rows, and the vertical factors of the others. */
    private final int[] passLo = new int[PASS_ROWS];
    private final int[] passHi = new int[PASS_ROWS];
    private float[][] passA = new float[0][];
    /** The tile pass's blend of 3 or more tile rows of one column, one line. */
    private float[] column;

    private Stitcher(TileGrid grid, Weighting weighting, BlendKernel kernel) {
        if (grid.width() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("image width must be < 2^31 - 8 for row stitching, got " + grid.width());
        }
        if (grid.height() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("image height must be < 2^31 - 8, got " + grid.height());
        }
        this.tile = grid.tile();
        this.width = (int) grid.width();
        this.height = (int) grid.height();
        this.ys = grid.startsY();
        this.xs = grid.startsX();
        this.u = weighting.factor(tile);
        if (u == null) {
            wMap = weighting.map(tile);
            nvD = null;
        } else {
            wMap = null;
            double[] wx = new double[width];
            for (long x0 : xs) {
                for (int j = 0; j < tile; j++) {
                    wx[(int) x0 + j] += u[j];
                }
            }
            nvD = new double[xs.length][tile];
            for (int c = 0; c < xs.length; c++) {
                for (int j = 0; j < tile; j++) {
                    nvD[c][j] = u[j] / wx[(int) xs[c] + j];
                }
            }
        }
        // x segments with a constant set of covering tile columns (always a contiguous range)
        TreeSet<Integer> cuts = new TreeSet<>();
        for (long x0 : xs) {
            cuts.add((int) x0);
            cuts.add((int) x0 + tile);
        }
        cuts.add(0);
        cuts.add(width);
        Integer[] b = cuts.toArray(new Integer[0]);
        int n = b.length - 1;
        segA = new int[n];
        segB = new int[n];
        segCLo = new int[n];
        segCHi = new int[n];
        for (int s = 0; s < n; s++) {
            segA[s] = b[s];
            segB[s] = b[s + 1];
            int lo = -1;
            int hi = -1;
            for (int c = 0; c < xs.length; c++) {
                if (xs[c] <= segA[s] && segA[s] < xs[c] + tile) {
                    if (lo < 0) {
                        lo = c;
                    }
                    hi = c;
                }
            }
            segCLo[s] = lo;
            segCHi[s] = hi;
        }
        // strips: greedy colouring of the tile columns (intervals), optimal for intervals
        int[] of = new int[xs.length];
        List<Long> ends = new ArrayList<>();
        for (int c = 0; c < xs.length; c++) {
            int s = 0;
            while (s < ends.size() && ends.get(s) > xs[c]) {
                s++;
            }
            if (s == ends.size()) {
                ends.add(0L);
            }
            ends.set(s, xs[c] + tile);
            of[c] = s;
        }
        if (u != null && ends.size() <= MAX_STRIPS && (tile + (long) grid.stride() - 1) / grid.stride() <= MAX_STRIPS) {
            stripOf = of;
            strips = ends.size();
            double[][] us = new double[strips][width];
            for (int c = 0; c < xs.length; c++) {
                for (int j = 0; j < tile; j++) {
                    us[of[c]][(int) xs[c] + j] = u[j];
                }
            }
            stripWeight = new float[strips][width];
            for (int x = 0; x < width; x++) {
                double acc = 0;
                for (int s = 0; s < strips; s++) {
                    acc += us[s][x];
                    stripWeight[s][x] = us[s][x] == 0 ? 0f : (float) (us[s][x] / acc);
                }
            }
        } else {
            stripOf = null;
            strips = 0;
            stripWeight = null;
        }
        this.kernel = stripOf == null ? null : kernel;
        if (this.kernel != null) {
            colWeight = new float[xs.length][tile];
            double[] acc = new double[width];
            for (int c = 0; c < xs.length; c++) {
                for (int j = 0; j < tile; j++) {
                    int x = (int) xs[c] + j;
                    acc[x] += u[j];
                    colWeight[c][j] = (float) (u[j] / acc[x]);
                }
            }
        } else {
            colWeight = null;
        }
    }

    /** A copy sharing the immutable tables, with its own scratch (for another thread). */
    private Stitcher(Stitcher o) {
        this.tile = o.tile;
        this.height = o.height;
        this.width = o.width;
        this.ys = o.ys;
        this.xs = o.xs;
        this.u = o.u;
        this.wMap = o.wMap;
        this.nvD = o.nvD;
        this.segA = o.segA;
        this.segB = o.segB;
        this.segCLo = o.segCLo;
        this.segCHi = o.segCHi;
        this.stripOf = o.stripOf;
        this.strips = o.strips;
        this.stripWeight = o.stripWeight;
        this.kernel = o.kernel;
        this.colWeight = o.colWeight;
    }

    /**
     * A stitcher for the grid's output tiles blended with the given weighting: the float32 separable blend is
     * the tile pass on the Vector API when {@link Vectorization#enabled()}, else the strip blend.
     */
    public static Stitcher of(TileGrid grid, Weighting weighting) {
        BlendKernel k = Vectorization.kernel(BlendKernel.class, "io.github.hubmapseg.tiling.VectorBlend", () -> null);
        return new Stitcher(grid, weighting, k);
    }

    /** The same with the tile pass on the given kernel, or the strip blend when {@code kernel} is null. */
    static Stitcher of(TileGrid grid, Weighting weighting, BlendKernel kernel) {
        return new Stitcher(grid, weighting, kernel);
    }

    /**
     * Finishes rows {@code y0 .. y0 + n - 1} into {@code out} (row {@code y0 + j} at {@code off + j * width}),
     * split over {@code threads} threads of the common fork-join pool (rows are independent).
     */
    public void stitchRows(int y0, int n, float[][][] tiles, float[] out, int off, int threads) {
        if (n <= 0) {
            return;
        }
        checkRow(y0, out.length, off);
        checkRow(y0 + n - 1, out.length, off + (n - 1) * width);
        int parts = Math.max(1, Math.min(threads, n / CHUNK));
        if (parts == 1) {
            stitchPart(y0, n, tiles, out, off);
            return;
        }
        if (workers == null || workers.length < parts) {
            workers = new Stitcher[parts];
            workers[0] = this;
            for (int p = 1; p < parts; p++) {
                workers[p] = new Stitcher(this);
            }
        }
        Stitcher[] w = workers;
        java.util.stream.IntStream.range(0, parts).parallel().forEach(p -> {
            // part boundaries on multiples of CHUNK, so that the chunks are those of one thread
            int a = (int) ((long) n * p / parts / CHUNK * CHUNK);
            int b = p == parts - 1 ? n : (int) ((long) n * (p + 1) / parts / CHUNK * CHUNK);
            w[p].stitchPart(y0 + a, b - a, tiles, out, off + a * width);
        });
    }

    private void stitchPart(int y0, int n, float[][][] tiles, float[] out, int off) {
        if (stripOf == null) {
            for (int j = 0; j < n; j++) {
                stitchRowGeneral(y0 + j, tiles, out, off + j * width);
            }
            return;
        }
        if (kernel != null) {
            for (int a = 0; a < n; a += PASS_ROWS) {
                tilePass(y0 + a, Math.min(PASS_ROWS, n - a), tiles, out, off + a * width);
            }
            return;
        }
        for (int a = 0; a < n; a += CHUNK) {
            stitchChunk(y0 + a, Math.min(CHUNK, n - a), tiles, out, off + a * width);
        }
    }

    /** Output tile side T. */
    public int tile() {
        return tile;
    }

    /** First tile row covering output row {@code y}. */
    public int firstTileRow(int y) {
        // first r with ys[r] + T > y
        int lo = 0;
        int hi = ys.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ys[mid] + tile > y) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Last tile row covering output row {@code y}. */
    public int lastTileRow(int y) {
        int lo = 0;
        int hi = ys.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (ys[mid] <= y) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * Output rows {@code [0, result)} are final once tile rows {@code 0..r} are predicted: every later tile
     * row starts at or below the result.
     */
    public int rowsFinishedAfter(int r) {
        return r >= ys.length - 1 ? height : (int) ys[r + 1];
    }

    private void checkRow(int y, int outLength, int off) {
        if (y < 0 || y >= height) {
            throw new IndexOutOfBoundsException("row " + y + " outside 0.." + (height - 1));
        }
        if (off < 0 || off > outLength - width) {
            throw new IndexOutOfBoundsException("output row at offset " + off + " of width " + width
                    + " does not fit an array of length " + outLength);
        }
    }

    /**
     * Finishes output row {@code y} in float32 into {@code out[off .. off + width)}.
     *
     * @param tiles predictions {@code [tileRow][tileCol]}, each {@code T * T} row-major; rows covering {@code y}
     *              must be present
     */
    public void stitchRow(int y, float[][][] tiles, float[] out, int off) {
        stitchRows(y, 1, tiles, out, off, 1);
    }

    /** Finishes output row {@code y} in float64 (the precision of the conformance vectors). */
    public void stitchRow(int y, double[][][] tiles, double[] out, int off) {
        checkRow(y, out.length, off);
        blendRow(y, (r, c, from, dst, at, n) -> System.arraycopy(tiles[r][c], from, dst, at, n));
        System.arraycopy(rowD, 0, out, off, width);
    }

    private void stitchRowGeneral(int y, float[][][] tiles, float[] out, int off) {
        blendRow(y, (r, c, from, dst, at, n) -> {
            float[] p = tiles[r][c];
            for (int k = 0; k < n; k++) {
                dst[at + k] = p[from + k];
            }
        });
        double[] row = rowD;
        for (int x = 0; x < width; x++) {
            out[off + x] = (float) row[x];
        }
    }

    /** Reads {@code n} values of tile (r, c) from {@code from} into {@code dst[at ..]} as doubles. */
    @FunctionalInterface
    private interface TileValues {
        void read(int r, int c, int from, double[] dst, int at, int n);
    }

    /** The row blend of output row {@code y} into {@code rowD}, in double. */
    private void blendRow(int y, TileValues tiles) {
        final int t = tile;
        if (rowD == null) {
            rowD = new double[width];
            numD = new double[t];
            denD = new double[t];
            segD = new double[t];
            firstD = new double[t];
        }
        final double[] row = rowD;
        int rLo = firstTileRow(y);
        int rHi = lastTileRow(y);
        double wy = 0;
        if (u != null) {
            for (int r = rLo; r <= rHi; r++) {
                wy += u[y - (int) ys[r]];
            }
        }
        for (int s = 0; s < segA.length; s++) {
            final int xa = segA[s];
            final int n = segB[s] - xa;
            final int cLo = segCLo[s];
            final int cHi = segCHi[s];
            if (rLo == rHi && cLo == cHi) {
                tiles.read(rLo, cLo, (y - (int) ys[rLo]) * t + xa - (int) xs[cLo], row, xa, n);
                continue;
            }
            final double[] first = firstD;
            final double[] p = segD;
            tiles.read(rLo, cLo, (y - (int) ys[rLo]) * t + xa - (int) xs[cLo], first, 0, n);
            final double[] num = numD;
            final double[] den = denD;
            Arrays.fill(num, 0, n, 0);
            Arrays.fill(den, 0, n, 0);
            for (int r = rLo; r <= rHi; r++) {
                int i = y - (int) ys[r];
                double a = rLo == rHi || u == null ? 1.0 : u[i] / wy;
                for (int c = cLo; c <= cHi; c++) {
                    int nb = xa - (int) xs[c];
                    tiles.read(r, c, i * t + nb, p, 0, n);
                    if (u != null) {
                        double[] nv = nvD[c];
                        for (int k = 0; k < n; k++) {
                            num[k] += a * nv[nb + k] * (p[k] - first[k]);
                        }
                    } else {
                        int wb = i * t + nb;
                        for (int k = 0; k < n; k++) {
                            double w = wMap[wb + k];
                            num[k] += w * (p[k] - first[k]);
                            den[k] += w;
                        }
                    }
                }
            }
            for (int k = 0; k < n; k++) {
                row[xa + k] = first[k] + (u != null ? num[k] : num[k] / den[k]);
            }
        }
    }

    /**
     * The tile pass over rows {@code ya .. ya + n - 1} into {@code out} (row {@code ya + j} at
     * {@code off + j * width}): tile column by tile column, each covering tile's lines of these rows read in one
     * run (one tile, or the 2-3 tile rows covering a row side by side) and blended straight into the output
     * lines, which are in cache while the pass is on them. Per pixel: the tile rows of the column first,
     * {@code v = P_0; v += a_r (P_r - v)} with {@code a_r = u_r / (u_0 + ... + u_r)} (vertical factors), then
     * across columns {@code h = v_first; h += colWeight_c (v_c - h)}; the part of a line that no earlier column
     * covers is written once ({@code h = v}). The weighted mean in exact arithmetic; each pixel gets the same
     * operations whatever the rows, bands or threads.
     */
    private void tilePass(int ya, int n, float[][][] tiles, float[] out, int off) {
        final int t = tile;
        final int w = width;
        final BlendKernel k = kernel;
        for (int j = 0; j < n; j++) {
            int y = ya + j;
            int lo = firstTileRow(y);
            int hi = lastTileRow(y);
            passLo[j] = lo;
            passHi[j] = hi;
            while (passA.length < hi - lo) {
                passA = Arrays.copyOf(passA, passA.length + 1);
                passA[passA.length - 1] = new float[PASS_ROWS];
            }
            double acc = u[y - (int) ys[lo]];
            for (int r = lo + 1; r <= hi; r++) {
                double ur = u[y - (int) ys[r]];
                acc += ur;
                passA[r - lo - 1][j] = (float) (ur / acc);
            }
        }
        for (int c = 0; c < xs.length; c++) {
            final int x0 = (int) xs[c];
            final float[] cw = colWeight[c];
            // [x0, x0 + b) is covered by earlier columns
            final int b = c == 0 ? 0 : Math.max(0, (int) xs[c - 1] + t - x0);
            for (int j = 0; j < n; j++) {
                final int y = ya + j;
                final int at = off + j * w + x0;
                final int r0 = passLo[j];
                final int r1 = passHi[j];
                final float[] p0 = tiles[r0][c];
                final int f0 = (y - (int) ys[r0]) * t;
                if (r1 == r0) {
                    if (b > 0) {
                        k.lerp(out, at, p0, f0, cw, 0, out, at, b);
                    }
                    System.arraycopy(p0, f0 + b, out, at + b, t - b);
                } else if (r1 == r0 + 1) {
                    final float a = passA[0][j];
                    final float[] p1 = tiles[r1][c];
                    final int f1 = (y - (int) ys[r1]) * t;
                    if (b > 0) {
                        k.lerpTwice(out, at, p0, f0, p1, f1, a, cw, 0, b);
                    }
                    k.lerp(p0, f0 + b, p1, f1 + b, a, out, at + b, t - b);
                } else {
                    if (column == null) {
                        column = new float[t];
                    }
                    final float[] v = column;
                    k.lerp(p0, f0, tiles[r0 + 1][c], (y - (int) ys[r0 + 1]) * t, passA[0][j], v, 0, t);
                    for (int r = r0 + 2; r <= r1; r++) {
                        k.lerp(v, 0, tiles[r][c], (y - (int) ys[r]) * t, passA[r - r0 - 1][j], v, 0, t);
                    }
                    if (b > 0) {
                        k.lerp(out, at, v, 0, cw, 0, out, at, b);
                    }
                    System.arraycopy(v, b, out, at + b, t - b);
                }
            }
        }
    }

    /**
     * The strip blend of rows {@code ya .. ya + n - 1} ({@code n <= CHUNK}) into {@code out} (row {@code ya + j}
     * at {@code off + j * width}).
     */
    private void stitchChunk(int ya, int n, float[][][] tiles, float[] out, int off) {
        final int t = tile;
        final int w = width;
        int rA = firstTileRow(ya);
        int rB = lastTileRow(ya + n - 1);
        while (gather.size() < rB - rA + 1) {
            gather.add(new float[strips][CHUNK][w]);
        }
        if (h0 == null) {
            h0 = new float[w];
            h1 = new float[w];
        }
        // 1. every covering tile's lines of this chunk into its strip rows, tile by tile
        for (int r = rA; r <= rB; r++) {
            int y0 = (int) ys[r];
            int lo = Math.max(ya, y0);
            int hi = Math.min(ya + n, y0 + t);
            float[][][] slot = gather.get(r - rA);
            float[][] row = tiles[r];
            for (int c = 0; c < xs.length; c++) {
                float[] p = row[c];
                float[][] dst = slot[stripOf[c]];
                int x0 = (int) xs[c];
                for (int y = lo; y < hi; y++) {
                    System.arraycopy(p, (y - y0) * t, dst[y - ya], x0, t);
                }
            }
        }
        // 2. row by row: across strips, then across tile rows; every array indexed by x
        for (int y = ya; y < ya + n; y++) {
            int j = y - ya;
            int rLo = firstTileRow(y);
            int rHi = lastTileRow(y);
            float[] h = h0;
            if (rHi == rLo + 1 && strips == 2) {
                double u0 = u[y - (int) ys[rLo]];
                double u1 = u[y - (int) ys[rHi]];
                float[][][] s0 = gather.get(rLo - rA);
                float[][][] s1 = gather.get(rHi - rA);
                blend2x2(s0[0][j], s0[1][j], s1[0][j], s1[1][j], stripWeight[1], (float) (u1 / (u0 + u1)), h, w);
            } else {
                acrossStrips(gather.get(rLo - rA), j, h);
                double acc = u[y - (int) ys[rLo]];
                for (int r = rLo + 1; r <= rHi; r++) {
                    double ur = u[y - (int) ys[r]];
                    acc += ur;
                    acrossStrips(gather.get(r - rA), j, h1);
                    lerp(h, h1, (float) (ur / acc), w);
                }
            }
            System.arraycopy(h, 0, out, off + j * w, w);
        }
    }

    /** {@code h = P_0; h += c_s (P_s - h)} for the strips of one tile row, row {@code j} of the chunk. */
    private void acrossStrips(float[][][] slot, int j, float[] h) {
        if (strips == 1) {
            System.arraycopy(slot[0][j], 0, h, 0, width);
            return;
        }
        blend(slot[0][j], slot[1][j], stripWeight[1], h, width);
        for (int s = 2; s < strips; s++) {
            blend(h, slot[s][j], stripWeight[s], h, width);
        }
    }

    /** {@code h[x] = e[x] + c[x] (o[x] - e[x])}. */
    private static void blend(float[] e, float[] o, float[] c, float[] h, int w) {
        for (int x = 0; x < w; x++) {
            float f = e[x];
            h[x] = f + c[x] * (o[x] - f);
        }
    }

    /** {@code h[x] += a (g[x] - h[x])}. */
    private static void lerp(float[] h, float[] g, float a, int w) {
        for (int x = 0; x < w; x++) {
            float f = h[x];
            h[x] = f + a * (g[x] - f);
        }
    }

    /** Two strips in each of two tile rows, in one pass: the commonest overlap when {@code S >= T / 2}. */
    private static void blend2x2(float[] e0, float[] o0, float[] e1, float[] o1, float[] c, float a, float[] h,
                                 int w) {
        for (int x = 0; x < w; x++) {
            float f0 = e0[x];
            float f1 = e1[x];
            float cx = c[x];
            float g0 = f0 + cx * (o0[x] - f0);
            float g1 = f1 + cx * (o1[x] - f1);
            h[x] = g0 + a * (g1 - g0);
        }
    }
}
