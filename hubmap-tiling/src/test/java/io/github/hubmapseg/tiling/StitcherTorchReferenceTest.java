package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.testkit.ExternalTools;
import io.github.hubmapseg.testkit.RepoFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The float32 Gaussian stitch ({@link Stitcher#stitchRows}: the strip blend, the tile pass with plain loops and
 * with the Vector API; 1 and 2 threads) against the classic full-canvas
 * accumulate-and-divide with nnU-Net's importance map, computed by torch and scipy in float64
 * ({@code src/test/python/stitch_ref.py}). That script is OUR transcription of MONAI's / nnU-Net's method
 * (neither is installed here); the map there is scipy's {@code gaussian_filter} of a delta, not our closed form.
 */
class StitcherTorchReferenceTest {

    @TempDir
    Path dir;

    @Test
    void gaussianStitchMatchesTorchAccumulateAndDivide() throws Exception {
        Path python = ExternalTools.python("python3-torch python3-scipy python3-numpy", "torch", "scipy", "numpy");
        Path script = RepoFiles.root().resolve("hubmap-tiling/src/test/python/stitch_ref.py");
        Random rnd = new Random(11);
        // 2 and 2 x 2 overlaps (S >= T / 2), 3+ overlaps (S < T / 2), an image one tile wide
        int[][] geos = {{200, 150, 64, 48}, {131, 97, 32, 12}, {64, 90, 64, 40}};
        List<float[][][]> allTiles = new ArrayList<>();
        StringBuilder cases = new StringBuilder("[");
        for (int n = 0; n < geos.length; n++) {
            int[] geo = geos[n];
            TileGrid g = new TileGrid(geo[0], geo[1], geo[2], geo[3], 0);
            int t = g.tile();
            float[][][] tiles = new float[g.rows()][g.cols()][];
            ByteBuffer raw = ByteBuffer.allocate(g.rows() * g.cols() * t * t * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float[][] row : tiles) {
                for (int c = 0; c < row.length; c++) {
                    row[c] = new float[t * t];
                    for (int k = 0; k < row[c].length; k++) {
                        row[c][k] = rnd.nextFloat();
                        raw.putFloat(row[c][k]);
                    }
                }
            }
            allTiles.add(tiles);
            Path in = dir.resolve("tiles" + n + ".f32");
            Files.write(in, raw.array());
            cases.append(n > 0 ? ", " : "").append(String.format(Locale.ROOT,
                    "{\"width\": %d, \"height\": %d, \"tile\": %d, \"sigma_scale\": 0.125, \"ys\": %s, \"xs\": %s,"
                            + " \"tiles\": \"%s\", \"out\": \"%s\"}", geo[0], geo[1], t, json(g.startsY()),
                    json(g.startsX()), in, dir.resolve("out" + n + ".f64")));
        }
        Path meta = dir.resolve("cases.json");
        Files.writeString(meta, cases.append("]").toString());
        Process p = new ProcessBuilder(python.toString(), script.toString(), meta.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        for (int n = 0; n < geos.length; n++) {
            int[] geo = geos[n];
            TileGrid g = new TileGrid(geo[0], geo[1], geo[2], geo[3], 0);
            double[] ref = new double[geo[0] * geo[1]];
            ByteBuffer.wrap(Files.readAllBytes(dir.resolve("out" + n + ".f64"))).order(ByteOrder.LITTLE_ENDIAN)
                    .asDoubleBuffer().get(ref);
            for (var path : StitcherTest.floatPaths().toList()) {
                for (int threads : new int[] {1, 2}) {
                    float[] got = new float[ref.length];
                    path.getPayload().apply(g, Weighting.gaussian()).stitchRows(0, geo[1], allTiles.get(n), got, 0,
                            threads);
                    double worst = 0;
                    for (int k = 0; k < ref.length; k++) {
                        worst = Math.max(worst, Math.abs(got[k] - ref[k]));
                    }
                    // float32 blend of values in [0, 1): a few ulps of 1
                    assertThat(worst).as("%s, %s, %d threads", g, path.getName(), threads).isLessThan(1e-6);
                }
            }
        }
    }

    private static String json(long[] v) {
        return Arrays.stream(v).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
