package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The stitcher against a naive full-canvas reference, and normalisation of its weights. */
class StitcherTest {

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
                float[][][] ft = new float[tiles.length][tiles[0].length][];
                for (int r = 0; r < tiles.length; r++) {
                    for (int c = 0; c < tiles[0].length; c++) {
                        ft[r][c] = new float[tiles[r][c].length];
                        for (int k = 0; k < ft[r][c].length; k++) {
                            ft[r][c][k] = (float) tiles[r][c][k];
                        }
                    }
                }
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
     * The float32 separable path, computed the straightforward way: copy the first covering tile, then add
     * {@code (a_t * nv_t) * (p_t - p_first)} one tile at a time in float (the blend order the stitcher
     * documents). The stitcher must give exactly these bits.
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

    @Test
    void floatBlendIsBitIdenticalToOneTilePerPass() {
        Random rnd = new Random(7);
        // overlaps of 2 and 4 tiles (S >= T/2) and of more tiles (S < T/2)
        for (int[] geo : new int[][] {{61, 47, 16, 12}, {100, 83, 32, 24}, {61, 47, 16, 5}, {90, 77, 24, 7}, {64, 64, 64, 1}}) {
            TileGrid g = new TileGrid(geo[0], geo[1], geo[2], geo[3], 0);
            for (Weighting wt : List.of(Weighting.mean(), Weighting.gaussian())) {
                float[][][] ft = new float[g.rows()][g.cols()][];
                for (float[][] row : ft) {
                    for (int c = 0; c < row.length; c++) {
                        row[c] = new float[g.tile() * g.tile()];
                        for (int k = 0; k < row[c].length; k++) {
                            row[c][k] = rnd.nextFloat();
                        }
                    }
                }
                float[] ref = multiPassFloat(g, wt, ft);
                float[] out = new float[geo[0] * geo[1]];
                Stitcher.of(g, wt).stitchRows(0, geo[1], ft, out, 0, 2);
                for (int k = 0; k < out.length; k++) {
                    assertThat(Float.floatToIntBits(out[k])).as("%s %s pixel %d", g, wt, k)
                            .isEqualTo(Float.floatToIntBits(ref[k]));
                }
            }
        }
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
