package io.github.hubmapseg.tiling;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * The "combine" of sliding-window inference: finishes output rows from the predictions of the tiles that
 * cover them, {@code out = sum_t w_t * p_t / sum_t w_t} per pixel with the tile weight map of a
 * {@link Weighting} (conventions of {@code stitch.json}).
 *
 * <p>Predictions are {@code T x T} row-major arrays (the output tile only, without the expansion), passed as
 * {@code tiles[tileRow][tileCol]}; only the tile rows covering the requested output row are read, so
 * callers may drop ({@code null}) rows that no longer cover unfinished output.
 *
 * <p>Speed: the weight sum depends only on the grid, so it is computed once. For separable weights (mean,
 * untruncated Gaussian) the normalised weight of a tile pixel is {@code (u[i] / Wy[y]) * (u[j] / Wx[x])}
 * with per-axis sums {@code Wy}, {@code Wx}; each output pixel is written once, from the few tiles that
 * cover it, and pixels covered by a single tile are plain copies (their normalised weight is exactly 1).
 * The blend is evaluated as {@code p_first + sum_{t > first} (w_t / W) (p_t - p_first)}, equal to
 * {@code sum w p / sum w} since the normalised weights sum to 1, so that equal predictions blend to
 * exactly that value (an identity model returns its input bit for bit).
 * Output rows live in the caller's array; nothing the size of the image is allocated.
 *
 * <p>Not thread-safe (holds scratch rows); use one per thread.
 */
public final class Stitcher {

    private final int tile;
    private final int height;
    private final int width;
    private final long[] ys;
    private final long[] xs;
    private final double[] u;          // separable factor, or null
    private final double[] wMap;       // general map (double)
    private final float[] wMapF;       // general map (float)
    private final double[][] nvD;      // per tile column: u[j] / Wx[x0 + j]
    private final float[][] nvF;
    private final int[] segA;
    private final int[] segB;
    private final int[] segCLo;
    private final int[] segCHi;
    private double[] numD;
    private double[] denD;

    private Stitcher(TileGrid grid, Weighting weighting) {
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
            wMapF = new float[wMap.length];
            for (int k = 0; k < wMap.length; k++) {
                wMapF[k] = (float) wMap[k];
            }
            nvD = null;
            nvF = null;
        } else {
            wMap = null;
            wMapF = null;
            double[] wx = new double[width];
            for (long x0 : xs) {
                for (int j = 0; j < tile; j++) {
                    wx[(int) x0 + j] += u[j];
                }
            }
            nvD = new double[xs.length][tile];
            nvF = new float[xs.length][tile];
            for (int c = 0; c < xs.length; c++) {
                for (int j = 0; j < tile; j++) {
                    nvD[c][j] = u[j] / wx[(int) xs[c] + j];
                    nvF[c][j] = (float) nvD[c][j];
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
        this.wMapF = o.wMapF;
        this.nvD = o.nvD;
        this.nvF = o.nvF;
        this.segA = o.segA;
        this.segB = o.segB;
        this.segCLo = o.segCLo;
        this.segCHi = o.segCHi;
    }

    /**
     * Finishes rows {@code y0 .. y0 + n - 1} into {@code out} (row {@code y0 + j} at {@code off + j * width}),
     * split over {@code threads} threads of the common fork-join pool (rows are independent).
     */
    public void stitchRows(int y0, int n, float[][][] tiles, float[] out, int off, int threads) {
        int parts = Math.max(1, Math.min(threads, n / 8));
        if (parts == 1) {
            for (int j = 0; j < n; j++) {
                stitchRow(y0 + j, tiles, out, off + j * width);
            }
            return;
        }
        java.util.stream.IntStream.range(0, parts).parallel().forEach(p -> {
            Stitcher s = new Stitcher(this);
            int a = (int) ((long) n * p / parts);
            int b = (int) ((long) n * (p + 1) / parts);
            for (int j = a; j < b; j++) {
                s.stitchRow(y0 + j, tiles, out, off + j * width);
            }
        });
    }

    /** A stitcher for the grid's output tiles blended with the given weighting. */
    public static Stitcher of(TileGrid grid, Weighting weighting) {
        return new Stitcher(grid, weighting);
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
        if (off < 0 || off + width > outLength) {
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
        checkRow(y, out.length, off);
        final int t = tile;
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
            final int ob = off + xa;
            if (rLo == rHi && cLo == cHi) {
                System.arraycopy(tiles[rLo][cLo], (y - (int) ys[rLo]) * t + xa - (int) xs[cLo], out, ob, n);
                continue;
            }
            if (u != null && cHi - cLo <= 1 && rHi - rLo <= 1) {
                blend2x2(y, rLo, rHi, s, wy, n, tiles, out, ob);
                continue;
            }
            if (u != null) {
                boolean first = true;
                float[] pf = null;
                int pfb = 0;
                for (int r = rLo; r <= rHi; r++) {
                    int i = y - (int) ys[r];
                    float a = rLo == rHi ? 1f : (float) (u[i] / wy);
                    float[][] row = tiles[r];
                    for (int c = cLo; c <= cHi; c++) {
                        final float[] p = row[c];
                        final float[] nv = nvF[c];
                        final int nb = xa - (int) xs[c];
                        final int pb = i * t + nb;
                        if (first) {
                            System.arraycopy(p, pb, out, ob, n);
                            pf = p;
                            pfb = pb;
                            first = false;
                        } else {
                            for (int k = 0; k < n; k++) {
                                out[ob + k] += a * nv[nb + k] * (p[pb + k] - pf[pfb + k]);
                            }
                        }
                    }
                }
            } else {
                double[] num = scratchNum(n);
                double[] den = denD;
                Arrays.fill(num, 0, n, 0);
                Arrays.fill(den, 0, n, 0);
                float[] pf = null;
                int pfb = 0;
                for (int r = rLo; r <= rHi; r++) {
                    int i = y - (int) ys[r];
                    for (int c = cLo; c <= cHi; c++) {
                        float[] p = tiles[r][c];
                        int nb = xa - (int) xs[c];
                        int wb = i * t + nb;
                        if (pf == null) {
                            pf = p;
                            pfb = wb;
                        }
                        for (int k = 0; k < n; k++) {
                            float w = wMapF[wb + k];
                            num[k] += w * (p[wb + k] - pf[pfb + k]);
                            den[k] += w;
                        }
                    }
                }
                for (int k = 0; k < n; k++) {
                    out[ob + k] = pf[pfb + k] + (float) (num[k] / den[k]);
                }
            }
        }
    }

    /**
     * The separable blend of segment {@code seg}, covered by 2 or 2 x 2 tiles (the commonest overlaps when
     * {@code S >= T / 2}), in ONE pass: each covering tile read once, the output written once (the general loop
     * copies the first tile, then reads and writes the output once more per further tile), with the same float
     * operations in the same order ({@code out = p_first, out += (a * nv) * (p - p_first)} tile by tile, rows
     * then columns), so the bits are the same.
     */
    private void blend2x2(int y, int rLo, int rHi, int seg, double wy, int n, float[][][] tiles, float[] out,
                          int ob) {
        final int t = tile;
        final int cLo = segCLo[seg];
        final int cHi = segCHi[seg];
        final int xa = segA[seg];
        final int i0 = y - (int) ys[rLo];
        final int i1 = y - (int) ys[rHi];
        final float a0 = rLo == rHi ? 1f : (float) (u[i0] / wy);
        final float a1 = rLo == rHi ? 1f : (float) (u[i1] / wy);
        final int n0 = xa - (int) xs[cLo];
        final int n1 = xa - (int) xs[cHi];
        final float[] v0 = nvF[cLo];
        final float[] v1 = nvF[cHi];
        final float[] p00 = tiles[rLo][cLo];
        final int b00 = i0 * t + n0;
        if (rLo == rHi) {
            // two tiles side by side
            final float[] p01 = tiles[rLo][cHi];
            final int b01 = i0 * t + n1;
            for (int k = 0; k < n; k++) {
                float f = p00[b00 + k];
                out[ob + k] = f + a0 * v1[n1 + k] * (p01[b01 + k] - f);
            }
        } else if (cLo == cHi) {
            // two tiles one above the other
            final float[] p10 = tiles[rHi][cLo];
            final int b10 = i1 * t + n0;
            for (int k = 0; k < n; k++) {
                float f = p00[b00 + k];
                out[ob + k] = f + a1 * v0[n0 + k] * (p10[b10 + k] - f);
            }
        } else {
            final float[] p01 = tiles[rLo][cHi];
            final float[] p10 = tiles[rHi][cLo];
            final float[] p11 = tiles[rHi][cHi];
            final int b01 = i0 * t + n1;
            final int b10 = i1 * t + n0;
            final int b11 = i1 * t + n1;
            for (int k = 0; k < n; k++) {
                float f = p00[b00 + k];
                float v = f + a0 * v1[n1 + k] * (p01[b01 + k] - f);
                v += a1 * v0[n0 + k] * (p10[b10 + k] - f);
                v += a1 * v1[n1 + k] * (p11[b11 + k] - f);
                out[ob + k] = v;
            }
        }
    }

    /** Finishes output row {@code y} in float64 (the precision of the conformance vectors). */
    public void stitchRow(int y, double[][][] tiles, double[] out, int off) {
        checkRow(y, out.length, off);
        final int t = tile;
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
            final int ob = off + xa;
            if (rLo == rHi && cLo == cHi) {
                System.arraycopy(tiles[rLo][cLo], (y - (int) ys[rLo]) * t + xa - (int) xs[cLo], out, ob, n);
                continue;
            }
            if (u != null) {
                boolean first = true;
                double[] pf = null;
                int pfb = 0;
                for (int r = rLo; r <= rHi; r++) {
                    int i = y - (int) ys[r];
                    double a = rLo == rHi ? 1.0 : u[i] / wy;
                    for (int c = cLo; c <= cHi; c++) {
                        final double[] p = tiles[r][c];
                        final double[] nv = nvD[c];
                        final int nb = xa - (int) xs[c];
                        final int pb = i * t + nb;
                        if (first) {
                            System.arraycopy(p, pb, out, ob, n);
                            pf = p;
                            pfb = pb;
                            first = false;
                        } else {
                            for (int k = 0; k < n; k++) {
                                out[ob + k] += a * nv[nb + k] * (p[pb + k] - pf[pfb + k]);
                            }
                        }
                    }
                }
            } else {
                double[] num = scratchNum(n);
                double[] den = denD;
                Arrays.fill(num, 0, n, 0);
                Arrays.fill(den, 0, n, 0);
                double[] pf = null;
                int pfb = 0;
                for (int r = rLo; r <= rHi; r++) {
                    int i = y - (int) ys[r];
                    for (int c = cLo; c <= cHi; c++) {
                        double[] p = tiles[r][c];
                        int nb = xa - (int) xs[c];
                        int wb = i * t + nb;
                        if (pf == null) {
                            pf = p;
                            pfb = wb;
                        }
                        for (int k = 0; k < n; k++) {
                            double w = wMap[wb + k];
                            num[k] += w * (p[wb + k] - pf[pfb + k]);
                            den[k] += w;
                        }
                    }
                }
                for (int k = 0; k < n; k++) {
                    out[ob + k] = pf[pfb + k] + num[k] / den[k];
                }
            }
        }
    }

    private double[] scratchNum(int n) {
        if (numD == null || numD.length < n) {
            numD = new double[Math.max(n, tile)];
            denD = new double[numD.length];
        }
        return numD;
    }
}
