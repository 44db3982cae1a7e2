package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.testkit.ExternalTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TissueMask#otsu} runs on {@code post.Otsu.bestSplit} (one home of Otsu's search): its thresholds are those
 * of skimage's {@code threshold_otsu} on uint8 images (independent reference) and those of the histogram search it
 * had of its own before (our former code, transcribed here) on random histograms.
 */
class TissueMaskOtsuTest {

    /** TissueMask's former Otsu (our own code, kept here as the reference of "unchanged"). */
    private static int formerOtsu(int[] values) {
        long[] hist = new long[256];
        for (int v : values) {
            hist[v]++;
        }
        long total = values.length;
        double sumAll = 0;
        for (int i = 0; i < 256; i++) {
            sumAll += (double) i * hist[i];
        }
        double bestVar = -1;
        int best = 0;
        long w0 = 0;
        double sum0 = 0;
        for (int t = 0; t < 256; t++) {
            w0 += hist[t];
            sum0 += (double) t * hist[t];
            long w1 = total - w0;
            if (w0 == 0 || w1 == 0) {
                continue;
            }
            double m0 = sum0 / w0;
            double m1 = (sumAll - sum0) / w1;
            double var = (double) w0 * w1 * (m0 - m1) * (m0 - m1);
            if (var > bestVar) {
                bestVar = var;
                best = t;
            }
        }
        return best;
    }

    /** Random 0..255 values: one to four modes of random spread, or a few distinct values (ties). */
    private static int[] values(Random r) {
        int n = 1 + r.nextInt(r.nextBoolean() ? 20 : 3000);
        int[] v = new int[n];
        int modes = 1 + r.nextInt(4);
        int[] centre = new int[modes];
        double[] spread = new double[modes];
        for (int m = 0; m < modes; m++) {
            centre[m] = r.nextInt(256);
            spread[m] = r.nextInt(4) == 0 ? 0 : r.nextDouble() * 40;
        }
        for (int i = 0; i < n; i++) {
            int m = r.nextInt(modes);
            v[i] = (int) Math.max(0, Math.min(255, Math.round(centre[m] + r.nextGaussian() * spread[m])));
        }
        return v;
    }

    @Test
    void sameThresholdsAsTheFormerSearchOnRandomHistograms() {
        Random r = new Random(14);
        for (int c = 0; c < 3000; c++) {
            int[] v = values(r);
            assertThat(TissueMask.otsu(v)).as("case %d", c).isEqualTo(formerOtsu(v));
        }
        assertThat(TissueMask.otsu(new int[] {7, 7, 7})).isZero().isEqualTo(formerOtsu(new int[] {7, 7, 7}));
        assertThat(TissueMask.otsu(new int[0])).isZero();
    }

    @Test
    void sameThresholdsAsSkimageOnUint8(@TempDir Path dir) throws Exception {
        Path py = ExternalTools.python("python3-skimage python3-numpy", "skimage.filters", "numpy");
        Path script = dir.resolve("otsu.py");
        Files.writeString(script, """
                import sys, numpy as np
                from skimage.filters import threshold_otsu
                for f in sys.argv[1:]:
                    print(int(threshold_otsu(np.fromfile(f, dtype=np.uint8))))
                """);
        List<String> cmd = new ArrayList<>(List.of(py.toString(), script.toString()));
        List<int[]> cases = new ArrayList<>();
        Random r = new Random(15);
        while (cases.size() < 40) {
            int[] v = values(r);
            if (java.util.Arrays.stream(v).distinct().count() < 2) {
                continue; // skimage returns the value of a constant image, TissueMask 0: not compared
            }
            byte[] b = new byte[v.length];
            for (int i = 0; i < v.length; i++) {
                b[i] = (byte) v[i];
            }
            Path f = dir.resolve(cases.size() + ".u8");
            Files.write(f, b);
            cmd.add(f.toString());
            cases.add(v);
        }
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(pr.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(pr.exitValue()).as(out).isZero();
        String[] lines = out.split("\n");
        assertThat(lines).hasSize(cases.size());
        for (int c = 0; c < cases.size(); c++) {
            assertThat(TissueMask.otsu(cases.get(c))).as("case %d", c).isEqualTo(Integer.parseInt(lines[c].trim()));
        }
    }
}
