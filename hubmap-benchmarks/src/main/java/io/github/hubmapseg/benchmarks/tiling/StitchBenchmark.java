package io.github.hubmapseg.benchmarks.tiling;

import io.github.hubmapseg.tiling.Stitcher;
import io.github.hubmapseg.tiling.TileGrid;
import io.github.hubmapseg.tiling.Weighting;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Gaussian stitching of precomputed float32 tile predictions into a {@code size x size} float32 output
 * (default 8192, T512 S384: 21 x 21 = 441 tiles). One operation = the whole output; MP/s =
 * size^2 / 1e6 / (seconds per op). {@code canvas} writes the full output array, {@code band} streams
 * 384-row bands through one reused buffer (what the engine does). {@code classic} is the usual
 * full-canvas accumulate-then-divide, for comparison. {@code distinctTiles} is how many different tile
 * arrays the 441 positions cycle through (441: every tile its own 1 MiB array, as after a real model).
 * Two floors split what bounds the stitch: {@code firstTileCopy} writes every output pixel from the first
 * tile covering it, visiting rows and x segments in the stitcher's order, with no blending (the memory cost of
 * that access pattern for 1 tile per pixel, where the stitch reads 1.72); {@code tilesCopy} reads all tiles
 * once, contiguously, into one 1 MiB scratch array (the cost of reading the tiles alone); {@code stripGather}
 * is the first step of the stitcher's float blend alone: every tile line copied, 8 rows at a time and tile by
 * tile, into rows of the image's width at the tile's x (even and odd tile columns in two strips), with no
 * blending and no output (our transcription of that step of the scalar path, the strip blend). The stitcher
 * runs its tile pass on the Vector API (the fork starts with {@code --add-modules=jdk.incubator.vector}); add
 * {@code -jvmArgsAppend -Dhubmap.simd=off} for the strip blend.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Xms4g", "--add-modules=jdk.incubator.vector"})
public class StitchBenchmark {

    @Param("8192")
    public int size;

    @Param("512")
    public int tile;

    @Param("384")
    public int stride;

    @Param("441")
    public int distinctTiles;

    @Param({"1", "2"})
    public int threads;

    private Stitcher stitcher;
    private float[][][] tiles;
    private float[] out;
    private float[] band;
    private float[] acc;
    private float[] wsum;
    private float[] wmap;
    private long[] ys;
    private long[] xs;

    private int[] segA;
    private int[] segN;
    private int[] segC;
    private int[] rowOf;
    private float[] scratch;
    private float[][][][] strips;

    @Setup(Level.Trial)
    public void setUp() {
        TileGrid g = new TileGrid(size, size, tile, stride, 0);
        stitcher = Stitcher.of(g, Weighting.gaussian());
        ys = g.startsY();
        xs = g.startsX();
        SplittableRandom rnd = new SplittableRandom(42);
        float[][] pool = new float[Math.min(distinctTiles, g.rows() * g.cols())][];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = new float[tile * tile];
            for (int k = 0; k < pool[i].length; k++) {
                pool[i][k] = (float) rnd.nextDouble();
            }
        }
        tiles = new float[g.rows()][g.cols()][];
        int i = 0;
        for (int r = 0; r < g.rows(); r++) {
            for (int c = 0; c < g.cols(); c++) {
                tiles[r][c] = pool[i++ % pool.length];
            }
        }
        out = new float[size * size];
        band = new float[stride * size];
        scratch = new float[tile * tile];
        strips = new float[threads][3 * 2 * 8][1][size];
        java.util.TreeSet<Integer> cuts = new java.util.TreeSet<>();
        for (long x0 : xs) {
            cuts.add((int) x0);
            cuts.add((int) x0 + tile);
        }
        Integer[] b = cuts.toArray(new Integer[0]);
        segA = new int[b.length - 1];
        segN = new int[b.length - 1];
        segC = new int[b.length - 1];
        for (int s = 0; s < segA.length; s++) {
            segA[s] = b[s];
            segN[s] = b[s + 1] - b[s];
            for (int c = xs.length - 1; c >= 0; c--) {
                if (xs[c] <= segA[s] && segA[s] < xs[c] + tile) {
                    segC[s] = c;
                }
            }
        }
        rowOf = new int[size];
        for (int y = 0; y < size; y++) {
            for (int r = ys.length - 1; r >= 0; r--) {
                if (ys[r] <= y && y < ys[r] + tile) {
                    rowOf[y] = r;
                }
            }
        }
        double[] m = Weighting.gaussian().map(tile);
        wmap = new float[m.length];
        for (int k = 0; k < m.length; k++) {
            wmap[k] = (float) m[k];
        }
    }

    /** Row stitcher into the full output array. */
    @Benchmark
    public float[] canvas() {
        stitcher.stitchRows(0, size, tiles, out, 0, threads);
        return out;
    }

    /** Row stitcher streaming 384-row bands through one buffer. */
    @Benchmark
    public float[] band() {
        for (int y = 0; y < size; y += stride) {
            int n = Math.min(stride, size - y);
            stitcher.stitchRows(y, n, tiles, band, 0, threads);
        }
        return band;
    }

    /** Floor: every output pixel copied from its first covering tile, in the stitcher's row/segment order. */
    @Benchmark
    public float[] firstTileCopy() {
        int parts = threads;
        java.util.stream.IntStream.range(0, parts).parallel().forEach(p -> {
            int a = (int) ((long) size * p / parts);
            int b = (int) ((long) size * (p + 1) / parts);
            for (int y = a; y < b; y++) {
                int r = rowOf[y];
                int i = (int) (y - ys[r]);
                for (int s = 0; s < segA.length; s++) {
                    int c = segC[s];
                    System.arraycopy(tiles[r][c], i * tile + segA[s] - (int) xs[c], out, y * size + segA[s], segN[s]);
                }
            }
        });
        return out;
    }

    /** Floor: every tile read once, contiguously (into one scratch array per thread). */
    @Benchmark
    public float[] tilesCopy() {
        int parts = threads;
        int rows = tiles.length;
        java.util.stream.IntStream.range(0, parts).parallel().forEach(p -> {
            float[] dst = p == 0 ? scratch : new float[tile * tile];
            for (int r = p; r < rows; r += parts) {
                for (float[] t : tiles[r]) {
                    System.arraycopy(t, 0, dst, 0, t.length);
                }
            }
        });
        return scratch;
    }

    /** Floor: the stitcher's gather step alone (tile lines into strip rows, 8 output rows at a time). */
    @Benchmark
    public float[][][][] stripGather() {
        int parts = threads;
        java.util.stream.IntStream.range(0, parts).parallel().forEach(p -> {
            float[][][] st = strips[p];
            int a = (int) ((long) size * p / parts / 8 * 8);
            int b = p == parts - 1 ? size : (int) ((long) size * (p + 1) / parts / 8 * 8);
            for (int ya = a; ya < b; ya += 8) {
                int yb = Math.min(b, ya + 8);
                for (int r = 0; r < ys.length; r++) {
                    int lo = (int) Math.max(ya, ys[r]);
                    int hi = (int) Math.min(yb, ys[r] + tile);
                    int slot = r - rowOf[ya];
                    for (int c = 0; c < xs.length && lo < hi; c++) {
                        float[] t = tiles[r][c];
                        for (int y = lo; y < hi; y++) {
                            System.arraycopy(t, (int) (y - ys[r]) * tile, st[(slot * 2 + (c & 1)) * 8 + y - ya][0],
                                    (int) xs[c], tile);
                        }
                    }
                }
            }
        });
        return strips;
    }

    /**
     * Memory-bandwidth reference: copies a size^2 float array (4 bytes read + 4 written per output pixel,
     * less traffic than a stitch needs), split over {@code threads}.
     */
    @Benchmark
    public float[] copyBaseline() {
        if (acc == null) {
            acc = new float[size * size];
            wsum = new float[size * size];
        }
        int parts = threads;
        java.util.stream.IntStream.range(0, parts).parallel().forEach(p -> {
            int a = (int) ((long) acc.length * p / parts);
            int b = (int) ((long) acc.length * (p + 1) / parts);
            System.arraycopy(acc, a, wsum, a, b - a);
        });
        return wsum;
    }

    /** The classic full-canvas accumulate (weights and weighted values) then divide, single thread. */
    @Benchmark
    public float[] classic() {
        if (threads != 1) {
            return null;
        }
        if (acc == null) {
            acc = new float[size * size];
            wsum = new float[size * size];
        }
        java.util.Arrays.fill(acc, 0);
        java.util.Arrays.fill(wsum, 0);
        for (int r = 0; r < ys.length; r++) {
            for (int c = 0; c < xs.length; c++) {
                float[] p = tiles[r][c];
                for (int i = 0; i < tile; i++) {
                    int o = (int) ((ys[r] + i) * size + xs[c]);
                    int t = i * tile;
                    for (int j = 0; j < tile; j++) {
                        acc[o + j] += wmap[t + j] * p[t + j];
                        wsum[o + j] += wmap[t + j];
                    }
                }
            }
        }
        for (int k = 0; k < out.length; k++) {
            out[k] = acc[k] / wsum[k];
        }
        return out;
    }
}
