package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The stitcher against a naive full-canvas reference, and normalisation of its weights. */
class StitcherTest {

    /**
     * The float32 blends: the strip blend (the JVM without the Vector API), the tile pass with plain loops and
     * with the Vector API ({@code VectorBlend}; the tests' JVM has the module).
     */
    static Stream<Named<BiFunction<TileGrid, Weighting, Stitcher>>> floatPaths() {
        return Stream.of(
                Named.of("strip blend", (g, w) -> Stitcher.of(g, w, null)),
                Named.of("tile pass, scalar", (g, w) -> Stitcher.of(g, w, new BlendKernel.Scalar())),
                Named.of("tile pass, Vector API", (g, w) -> Stitcher.of(g, w,
                        Vectorization.vector(BlendKernel.class, "io.github.hubmapseg.tiling.VectorBlend"))));
    }

    static double[] naive(TileGrid g, Weighting wt, double[][][] tiles) {
        int w = (int) g.width();
        int h = (int) g.height();
        int t = g.tile();
        double[] num = new double[w * h];
        double[] den = new double[w * h];
        double[] map = wt.map(t);
        long[] ys = g.startsY();
        long[] xs = g.startsX();
        for (int r = 0; r < ys.length; r++) {
            for (int c = 0; c < xs.length; c++) {
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < t; j++) {
                        int k = (int) ((ys[r] + i) * w + xs[c] + j);
                        num[k] += map[i * t + j] * tiles[r][c][i * t + j];
                        den[k] += map[i * t + j];
                    }
                }
            }
        }
        for (int k = 0; k < num.length; k++) {
            num[k] /= den[k];
        }
        return num;
    }

    static double[][][] randomTiles(TileGrid g, Random rnd) {
        double[][][] tiles = new double[g.rows()][g.cols()][];
        for (double[][] row : tiles) {
            for (int c = 0; c < row.length; c++) {
                row[c] = new double[g.tile() * g.tile()];
                for (int k = 0; k < row[c].length; k++) {
                    row[c][k] = rnd.nextDouble();
                }
            }
        }
        return tiles;
    }

    @Test
    void matchesTheNaiveBlendInDoubleAndFloat() {
        Random rnd = new Random(1);
        for (int[] geo : new int[][] {{61, 47, 16, 16}, {61, 47, 16, 5}, {100, 30, 30, 29}, {64, 64, 64, 1}, {90, 77, 24, 7}}) {
            TileGrid g = new TileGrid(geo[0], geo[1], geo[2], geo[3], 0);
            for (Weighting wt : List.of(Weighting.mean(), Weighting.gaussian(), Weighting.gaussian(1.0 / 32))) {
                double[][][] tiles = randomTiles(g, rnd);
                double[] ref = naive(g, wt, tiles);
                Stitcher s = Stitcher.of(g, wt);
                double[] row = new double[geo[0]];
                float[][][] ft = toFloat(tiles);
                float[] frow = new float[geo[0] + 5];
                for (int y = 0; y < geo[1]; y++) {
                    s.stitchRow(y, tiles, row, 0);
                    s.stitchRow(y, ft, frow, 5);
                    for (int x = 0; x < geo[0]; x++) {
                        assertThat(Math.abs(row[x] - ref[y * geo[0] + x])).as("%s %s", g, wt).isLessThan(1e-14);
                        assertThat(Math.abs(frow[5 + x] - ref[y * geo[0] + x])).as("%s %s", g, wt).isLessThan(1e-6);
                    }
                }
            }
        }
    }

    @Test
    void normalisedWeightsSumToOnePerPixel() {
        for (Weighting wt : List.of(Weighting.mean(), Weighting.gaussian(), Weighting.gaussian(1.0 / 32))) {
            TileGrid g = new TileGrid(70, 53, 20, 7, 0);
            int rows = g.rows();
            int cols = g.cols();
            double[] sum = new double[70 * 53];
            Stitcher s = Stitcher.of(g, wt);
            double[] zero = new double[400];
            double[] one = new double[400];
            java.util.Arrays.fill(one, 1);
            double[] row = new double[70];
            for (int r0 = 0; r0 < rows; r0++) {
                for (int c0 = 0; c0 < cols; c0++) {
                    double[][][] tiles = new double[rows][cols][];
                    for (int r = 0; r < rows; r++) {
                        for (int c = 0; c < cols; c++) {
                            tiles[r][c] = r == r0 && c == c0 ? one : zero;
                        }
                    }
                    for (int y = 0; y < 53; y++) {
                        s.stitchRow(y, tiles, row, 0);
                        for (int x = 0; x < 70; x++) {
                            assertThat(row[x]).isBetween(0.0, 1.0 + 1e-15);
                            sum[y * 70 + x] += row[x];
                        }
                    }
                }
            }
            for (double v : sum) {
                assertThat(v).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-13));
            }
        }
    }

    /**
     * The float32 separable blend of the previous stitcher (row order), computed the straightforward way: copy
     * the first covering tile, then add {@code (a_t * nv_t) * (p_t - p_first)} one tile at a time in float. The
     * strip blend evaluates the same weighted mean in another order (incrementally, strip by strip and tile row
     * by tile row), so its float rounding differs by an ulp or so; this is the reference it is held to.
     */
    static float[] multiPassFloat(TileGrid g, Weighting wt, float[][][] tiles) {
        int w = (int) g.width();
        int h = (int) g.height();
        int t = g.tile();
        long[] ys = g.startsY();
        long[] xs = g.startsX();
        double[] u = wt.factor(t);
        double[] wx = new double[w];
        for (long x0 : xs) {
            for (int j = 0; j < t; j++) {
                wx[(int) x0 + j] += u[j];
            }
        }
        float[] out = new float[w * h];
        for (int y = 0; y < h; y++) {
            double wy = 0;
            int n = 0;
            for (long y0 : ys) {
                if (y0 <= y && y < y0 + t) {
                    wy += u[(int) (y - y0)];
                    n++;
                }
            }
            for (int x = 0; x < w; x++) {
                float o = 0;
                float first = 0;
                boolean seen = false;
                for (int r = 0; r < ys.length; r++) {
                    int i = (int) (y - ys[r]);
                    if (i < 0 || i >= t) {
                        continue;
                    }
                    float a = n == 1 ? 1f : (float) (u[i] / wy);
                    for (int c = 0; c < xs.length; c++) {
                        int j = (int) (x - xs[c]);
                        if (j < 0 || j >= t) {
                            continue;
                        }
                        float p = tiles[r][c][i * t + j];
                        if (!seen) {
                            o = p;
                            first = p;
                            seen = true;
                        } else {
                            float nv = (float) (u[j] / wx[x]);
                            o += a * nv * (p - first);
                        }
                    }
                }
                out[y * w + x] = o;
            }
        }
        return out;
    }

    static float[][][] randomFloatTiles(TileGrid g, Random rnd) {
        return toFloat(randomTiles(g, rnd));
    }

    static float[][][] toFloat(double[][][] tiles) {
        float[][][] ft = new float[tiles.length][tiles[0].length][];
        for (int r = 0; r < tiles.length; r++) {
            for (int c = 0; c < tiles[0].length; c++) {
                ft[r][c] = new float[tiles[r][c].length];
                for (int k = 0; k < ft[r][c].length; k++) {
                    ft[r][c][k] = (float) tiles[r][c][k];
                }
            }
        }
        return ft;
    }

    /** Strip blend (2 and 3 strips, 1-3 tile rows per pixel) and row blend (S < T / 3) geometries. */
    static final int[][] GEOMETRIES = {{61, 47, 16, 12}, {100, 83, 32, 24}, {61, 47, 16, 6}, {41, 45, 16, 12},
        {61, 47, 16, 5}, {90, 77, 24, 7}, {64, 64, 64, 1}, {61, 47, 16, 16}, {100, 30, 30, 29}};

    /**
     * The float blend changed from the row order of {@link #multiPassFloat} to the strip blend: the two stay
     * within 1e-6 of each other (the tolerance of {@code StitcherTorchReferenceTest}), and a mask at 0.5 is the
     * same wherever the float64 blend is not within 1e-6 of the threshold.
     */
    @ParameterizedTest
    @MethodSource("floatPaths")
    void floatBlendStaysWithinAMillionthOfThePreviousBlendAndMasksAgree(BiFunction<TileGrid, Weighting, Stitcher> of) {
        Random rnd = new Random(7);
        for (int[] geo : GEOMETRIES) {
            TileGrid g = new TileGrid(geo[0], geo[1], geo[2], geo[3], 0);
            for (Weighting wt : List.of(Weighting.mean(), Weighting.gaussian())) {
                float[][][] ft = randomFloatTiles(g, rnd);
                float[] before = multiPassFloat(g, wt, ft);
                double[] exact = naive(g, wt, toDouble(ft));
                float[] out = new float[geo[0] * geo[1]];
                of.apply(g, wt).stitchRows(0, geo[1], ft, out, 0, 2);
                for (int k = 0; k < out.length; k++) {
                    assertThat(Math.abs(out[k] - before[k])).as("%s %s pixel %d", g, wt, k).isLessThan(1e-6f);
                    assertThat(Math.abs(out[k] - exact[k])).as("%s %s pixel %d", g, wt, k).isLessThan(1e-6);
                    if (Math.abs(exact[k] - 0.5) > 1e-6) {
                        assertThat(out[k] > 0.5f).as("%s %s pixel %d", g, wt, k).isEqualTo(before[k] > 0.5f);
                    }
                }
            }
        }
    }

    /**
     * An identity model: every tile is the crop of one image under it, so every blend must return the image bit
     * for bit (equal predictions blend to exactly that value, in every order of blending).
     */
    @ParameterizedTest
    @MethodSource("floatPaths")
    void equalPredictionsBlendToExactlyThatValue(BiFunction<TileGrid, Weighting, Stitcher> of) {
        Random rnd = new Random(3);
        for (int[] geo : GEOMETRIES) {
            TileGrid g = new TileGrid(geo[0], geo[1], geo[2], geo[3], 0);
            int t = g.tile();
            float[] img = new float[geo[0] * geo[1]];
            for (int k = 0; k < img.length; k++) {
                img[k] = rnd.nextFloat() * (k % 3 == 0 ? 1e-30f : 1f);
            }
            float[][][] ft = new float[g.rows()][g.cols()][t * t];
            for (int r = 0; r < g.rows(); r++) {
                for (int c = 0; c < g.cols(); c++) {
                    for (int i = 0; i < t; i++) {
                        System.arraycopy(img, (int) ((g.startsY()[r] + i) * geo[0] + g.startsX()[c]), ft[r][c], i * t, t);
                    }
                }
            }
            for (Weighting wt : List.of(Weighting.mean(), Weighting.gaussian(), Weighting.gaussian(1.0 / 32))) {
                float[] out = new float[img.length];
                of.apply(g, wt).stitchRows(0, geo[1], ft, out, 0, 2);
                assertThat(out).as("%s %s", g, wt).containsExactly(img);
            }
        }
    }

    /** Bands of any size, at any offset, with 1 to 3 threads give the bits of one single-thread call. */
    @ParameterizedTest
    @MethodSource("floatPaths")
    void bandsAndThreadsDoNotChangeTheBits(BiFunction<TileGrid, Weighting, Stitcher> of) {
        Random rnd = new Random(5);
        for (int[] geo : new int[][] {{100, 83, 32, 24}, {61, 47, 16, 6}, {61, 47, 16, 5}, {150, 203, 32, 12}}) {
            TileGrid g = new TileGrid(geo[0], geo[1], geo[2], geo[3], 0);
            float[][][] ft = randomFloatTiles(g, rnd);
            Stitcher one = of.apply(g, Weighting.gaussian());
            float[] ref = new float[geo[0] * geo[1]];
            one.stitchRows(0, geo[1], ft, ref, 0, 1);
            for (int band : new int[] {1, 5, 8, 13, 24, 64, 70, geo[1]}) {
                for (int threads = 1; threads <= 3; threads++) {
                    float[] buf = new float[3 + band * geo[0]];
                    for (int y = 0; y < geo[1]; y += band) {
                        int n = Math.min(band, geo[1] - y);
                        one.stitchRows(y, n, ft, buf, 3, threads);
                        for (int x = 0; x < n * geo[0]; x++) {
                            assertThat(Float.floatToIntBits(buf[3 + x])).as("%s band %d threads %d row %d", g, band,
                                    threads, y + x / geo[0]).isEqualTo(Float.floatToIntBits(ref[y * geo[0] + x]));
                        }
                    }
                }
            }
            float[] row = new float[geo[0] + 2];
            for (int y = 0; y < geo[1]; y++) {
                one.stitchRow(y, ft, row, 2);
                for (int x = 0; x < geo[0]; x++) {
                    assertThat(row[2 + x]).isEqualTo(ref[y * geo[0] + x]);
                }
            }
        }
    }

    /**
     * A pixel that one tile alone covers is that tile's value, bit for bit (subnormals included; the strip blend
     * adds {@code 0 * (0 - p)} there, which turns a -0 into +0, so -0 is not among the values).
     */
    @ParameterizedTest
    @MethodSource("floatPaths")
    void aPixelCoveredByOneTileIsThatTilesValue(BiFunction<TileGrid, Weighting, Stitcher> of) {
        Random rnd = new Random(9);
        for (int[] geo : GEOMETRIES) {
            TileGrid g = new TileGrid(geo[0], geo[1], geo[2], geo[3], 0);
            int t = g.tile();
            long[] ys = g.startsY();
            long[] xs = g.startsX();
            float[][][] ft = randomFloatTiles(g, rnd);
            for (float[][] row : ft) {
                for (float[] p : row) {
                    p[rnd.nextInt(p.length)] = Float.MIN_VALUE;
                    p[rnd.nextInt(p.length)] = 0f;
                }
            }
            float[] out = new float[geo[0] * geo[1]];
            of.apply(g, Weighting.gaussian()).stitchRows(0, geo[1], ft, out, 0, 1);
            int single = 0;
            for (int y = 0; y < geo[1]; y++) {
                for (int x = 0; x < geo[0]; x++) {
                    int rr = -1;
                    int cc = -1;
                    int n = 0;
                    for (int r = 0; r < ys.length; r++) {
                        for (int c = 0; c < xs.length; c++) {
                            if (ys[r] <= y && y < ys[r] + t && xs[c] <= x && x < xs[c] + t) {
                                rr = r;
                                cc = c;
                                n++;
                            }
                        }
                    }
                    if (n == 1) {
                        single++;
                        float want = ft[rr][cc][(int) ((y - ys[rr]) * t + x - xs[cc])];
                        assertThat(Float.floatToRawIntBits(out[y * geo[0] + x])).as("%s (%d, %d)", g, x, y)
                                .isEqualTo(Float.floatToRawIntBits(want));
                    }
                }
            }
            assertThat(single).as("%s", g).isPositive();
        }
    }

    /**
     * The tile pass gives the same bits with plain loops and with the Vector API (same operations in the same
     * order, no fused multiply-add), at widths that leave every remainder of the vector length.
     */
    @Test
    void tilePassKernelsGiveTheSameBits() {
        BlendKernel vector = Vectorization.vector(BlendKernel.class, "io.github.hubmapseg.tiling.VectorBlend");
        Random rnd = new Random(13);
        for (int[] geo : new int[][] {{61, 47, 16, 12}, {100, 83, 32, 24}, {97, 70, 40, 29}, {133, 90, 48, 17},
            {48, 48, 48, 48}}) {
            TileGrid g = new TileGrid(geo[0], geo[1], geo[2], geo[3], 0);
            float[][][] ft = randomFloatTiles(g, rnd);
            for (Weighting wt : List.of(Weighting.mean(), Weighting.gaussian())) {
                float[] a = new float[geo[0] * geo[1]];
                float[] b = new float[a.length];
                Stitcher.of(g, wt, new BlendKernel.Scalar()).stitchRows(0, geo[1], ft, a, 0, 1);
                Stitcher.of(g, wt, vector).stitchRows(0, geo[1], ft, b, 0, 2);
                for (int k = 0; k < a.length; k++) {
                    assertThat(Float.floatToRawIntBits(b[k])).as("%s %s pixel %d", g, wt, k)
                            .isEqualTo(Float.floatToRawIntBits(a[k]));
                }
            }
        }
    }

    @Test
    void rowsOutsideTheImageOrTheArrayAreRefused() {
        TileGrid g = new TileGrid(40, 30, 16, 12, 0);
        Stitcher s = Stitcher.of(g, Weighting.gaussian());
        float[][][] ft = randomFloatTiles(g, new Random(1));
        assertThatThrownBy(() -> s.stitchRows(20, 11, ft, new float[11 * 40], 0, 1))
                .hasMessageContaining("row 30 outside 0..29");
        assertThatThrownBy(() -> s.stitchRows(0, 2, ft, new float[79], 0, 1))
                .hasMessageContaining("does not fit an array of length 79");
    }

    static double[][][] toDouble(float[][][] ft) {
        double[][][] d = new double[ft.length][ft[0].length][];
        for (int r = 0; r < ft.length; r++) {
            for (int c = 0; c < ft[r].length; c++) {
                d[r][c] = new double[ft[r][c].length];
                for (int k = 0; k < d[r][c].length; k++) {
                    d[r][c][k] = ft[r][c][k];
                }
            }
        }
        return d;
    }

    @Test
    void rowBookkeeping() {
        TileGrid g = new TileGrid(100, 97, 32, 24, 0); // starts 0, 24, 48, 65
        Stitcher s = Stitcher.of(g, Weighting.mean());
        assertThat(s.firstTileRow(0)).isEqualTo(0);
        assertThat(s.lastTileRow(0)).isEqualTo(0);
        assertThat(s.firstTileRow(31)).isEqualTo(0);
        assertThat(s.firstTileRow(32)).isEqualTo(1);
        assertThat(s.lastTileRow(70)).isEqualTo(3);
        assertThat(s.rowsFinishedAfter(0)).isEqualTo(24);
        assertThat(s.rowsFinishedAfter(3)).isEqualTo(97);
    }
}
