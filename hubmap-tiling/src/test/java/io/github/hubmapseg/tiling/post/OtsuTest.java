package io.github.hubmapseg.tiling.post;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.testkit.ExternalTools;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Otsu against {@code skimage.filters.threshold_otsu}, and the streamed fallback that replays the stored rows. */
class OtsuTest {

    static float[] probabilities(int n, long seed, double fg) {
        Random r = new Random(seed);
        float[] p = new float[n];
        for (int i = 0; i < n; i++) {
            double v = r.nextDouble() < fg ? 0.35 + r.nextGaussian() * 0.08 : 0.05 + Math.abs(r.nextGaussian()) * 0.05;
            p[i] = (float) Math.min(1, Math.max(0, v));
        }
        return p;
    }

    @Test
    void thresholdEqualsSkimageExactly(@TempDir Path dir) throws Exception {
        Path py = ExternalTools.python("python3-skimage python3-numpy", "skimage.filters", "numpy");
        float[][] cases = {probabilities(5000, 1, 0.01), probabilities(20000, 2, 0.2), probabilities(777, 3, 0.5),
                {0.2f, 0.2f, 0.7f}, {0f, 1f}, {0.3f, 0.3f, 0.3f}};
        Path script = dir.resolve("otsu.py");
        Files.writeString(script, """
                import sys, numpy as np
                from skimage.filters import threshold_otsu
                for f in sys.argv[1:]:
                    a = np.fromfile(f, dtype='<f4').astype(np.float64)
                    print(repr(float(threshold_otsu(a))))
                """);
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(py.toString(), script.toString()));
        for (int c = 0; c < cases.length; c++) {
            ByteBuffer b = ByteBuffer.allocate(4 * cases[c].length).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : cases[c]) {
                b.putFloat(v);
            }
            Path f = dir.resolve(c + ".f32");
            Files.write(f, b.array());
            cmd.add(f.toString());
        }
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(pr.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(pr.exitValue()).as(out).isZero();
        String[] lines = out.split("\n");
        assertThat(lines).hasSize(cases.length);
        for (int c = 0; c < cases.length; c++) {
            assertThat(Otsu.threshold(cases[c])).as("case %d", c).isEqualTo(Double.parseDouble(lines[c].trim()));
        }
    }

    @Test
    void fallbackReplacesTheThresholdOnlyBelowThePixelCountAndReplaysTheRows() throws Exception {
        int w = 50, h = 40;
        float[] p = probabilities(w * h, 5, 0.03); // faint foreground around 0.35
        for (long minPixels : new long[] {1, 100}) {
            double[] got = new double[1];
            DenseCrfSinkTest.Collect c = new DenseCrfSinkTest.Collect();
            OtsuFallback f = new OtsuFallback(0.3, minPixels, t -> {
                got[0] = t;
                return c;
            });
            DenseCrfSinkTest.feed(f, p, w, h, 9);
            long atUsual = 0;
            for (float v : p) {
                atUsual += v >= 0.3 ? 1 : 0;
            }
            assertThat(f.foreground()).isEqualTo(atUsual);
            assertThat(atUsual).isBetween(2L, 99L);
            boolean expectFallback = atUsual < minPixels;
            assertThat(f.fellBack()).isEqualTo(expectFallback);
            assertThat(got[0]).isEqualTo(expectFallback ? Otsu.threshold(p) : 0.3);
            assertThat(f.chosenThreshold()).isEqualTo(got[0]);
            assertThat(c.all).isEqualTo(p); // the rows replayed unchanged, in order (Collect checks the order)
            assertThat(c.ended).isTrue();
        }
        assertThat(Otsu.threshold(p)).isLessThan(0.3); // the fallback lowers the threshold for this faint slide
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new OtsuFallback(0.5, 0, t -> null)).hasMessageContaining(">= 1, got 0");
        assertThatThrownBy(() -> Otsu.threshold(new float[] {Float.NaN, 1})).hasMessageContaining("NaN");
    }
}
