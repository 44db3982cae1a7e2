package io.github.hubmapseg.tiling.post;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.testkit.ExternalTools;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * Energy confidence against skimage ({@code measure.label}, 8-connectivity) and numpy ({@code -log1p(-p)} means):
 * the same components, the same mean scores, the same surviving mask, streamed in bands of any height.
 */
class EnergyFilterTest {

    /** Blobs of different confidence on a noisy background, some touching diagonally, one spanning many rows. */
    static float[] image(int w, int h, long seed) {
        Random rnd = new Random(seed);
        float[] p = new float[w * h];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (rnd.nextDouble() * 0.3);
        }
        for (int b = 0; b < 25; b++) {
            int cx = rnd.nextInt(w), cy = rnd.nextInt(h), r = 1 + rnd.nextInt(6);
            double level = 0.5 + rnd.nextDouble() * 0.5;
            for (int y = Math.max(0, cy - r); y < Math.min(h, cy + r + 1); y++) {
                for (int x = Math.max(0, cx - r); x < Math.min(w, cx + r + 1); x++) {
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) {
                        p[y * w + x] = (float) Math.min(1, level + rnd.nextGaussian() * 0.05);
                    }
                }
            }
        }
        for (int y = 0; y < h; y++) { // a tall stripe with a saturated pixel (p = 1)
            p[y * w + 3] = y == 5 ? 1f : 0.7f;
        }
        return p;
    }

    @Test
    void componentsScoresAndMaskEqualSkimageAndNumpy(@TempDir Path dir) throws Exception {
        int w = 70, h = 55;
        float[] p = image(w, h, 3);
        double t = 0.5, minEnergy = 1.2;
        String out = skimageComponents(dir, p, w, h, t, minEnergy);
        List<String> expected = new ArrayList<>();
        String mask = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("C ")) {
                expected.add(line.substring(2, line.lastIndexOf(' ')));
            } else if (line.startsWith("M ")) {
                mask = line.substring(2).trim();
            }
        }
        assertThat(expected.size()).isGreaterThan(10);
        for (int band : new int[] {1, 7, h}) {
            DenseCrfSinkTest.Collect c = new DenseCrfSinkTest.Collect();
            List<ComponentScore> scores = new ArrayList<>();
            EnergyFilter f = new EnergyFilter(t, minEnergy, c, scores::add);
            DenseCrfSinkTest.feed(f, p, w, h, band);
            StringBuilder got = new StringBuilder();
            for (int i = 0; i < w * h; i++) {
                got.append(c.all[i] >= t ? '1' : '0');
                if (c.all[i] != 0) {
                    assertThat(c.all[i]).isEqualTo(p[i]); // kept pixels pass unchanged
                }
            }
            assertThat(got.toString()).as("band %d", band).isEqualTo(mask);
            List<String> gotComponents = new ArrayList<>();
            for (ComponentScore s : scores) {
                gotComponents.add(s.area() + " " + s.bounds().min(0) + " " + s.bounds().min(1) + " "
                        + s.bounds().max(0) + " " + s.bounds().max(1));
            }
            assertThat(gotComponents).containsExactlyInAnyOrderElementsOf(expected);
            for (String line : out.split("\n")) {
                if (line.startsWith("C ")) {
                    String key = line.substring(2, line.lastIndexOf(' '));
                    double mean = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    ComponentScore s = scores.get(gotComponents.indexOf(key));
                    assertThat(s.meanEnergy()).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-9));
                    assertThat(s.kept()).isEqualTo(mean >= minEnergy);
                }
            }
            assertThat(f.kept() + f.dropped()).isEqualTo(expected.size());
            assertThat(f.dropped()).isPositive();
            assertThat(f.kept()).isPositive();
        }
    }

    /**
     * skimage's 8-connected components of {@code p >= t}: lines {@code C area minx miny maxx maxy meanEnergy} (numpy's
     * {@code -log1p(-p)} mean, p capped at {@code 1 - 2^-24}) and {@code M mask} (components with mean >= minEnergy).
     */
    static String skimageComponents(Path dir, float[] p, int w, int h, double t, double minEnergy) throws Exception {
        Path py = ExternalTools.python("python3-skimage python3-numpy", "skimage.measure", "numpy");
        ByteBuffer b = ByteBuffer.allocate(4 * p.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : p) {
            b.putFloat(v);
        }
        Files.write(dir.resolve("p.f32"), b.array());
        Path script = dir.resolve("e.py");
        Files.writeString(script, """
                import sys, numpy as np
                from skimage.measure import label
                w, h, t, m = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
                p = np.fromfile(sys.argv[1], dtype='<f4').reshape(h, w).astype(np.float64)
                lab = label(p >= t, connectivity=2)
                e = -np.log1p(-np.minimum(p, 1.0 - 2.0 ** -24))
                keep = np.zeros(h * w, dtype=np.uint8).reshape(h, w)
                for k in range(1, lab.max() + 1):
                    sel = lab == k
                    mean = e[sel].mean()
                    ys, xs = np.nonzero(sel)
                    print('C %d %d %d %d %d %.12f' % (sel.sum(), xs.min(), ys.min(), xs.max(), ys.max(), mean))
                    if mean >= m:
                        keep[sel] = 1
                print('M ' + ''.join(str(v) for v in keep.ravel()))
                """);
        Process pr = new ProcessBuilder(py.toString(), script.toString(), dir.resolve("p.f32").toString(), "" + w,
                "" + h, "" + t, "" + minEnergy).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(pr.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(pr.exitValue()).as(out).isZero();
        return out;
    }

    /**
     * The polygons of the GeoJSON output carry their component's mean energy score ({@code MaskPolygon.meanScore}
     * from {@code PolygonSink.score}): per object, skimage's component and numpy's mean of {@code -log1p(-p)}, to
     * float rounding of the per-pixel scores; bands of 1, 7 and all rows.
     */
    @Test
    void polygonsCarryTheirComponentsMeanEnergyAsSkimageAndNumpyGiveIt(@TempDir Path dir) throws Exception {
        int w = 70, h = 55;
        float[] p = image(w, h, 3);
        double t = 0.5;
        String out = skimageComponents(dir, p, w, h, t, 0);
        java.util.Map<String, Double> expected = new java.util.HashMap<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("C ")) {
                expected.put(line.substring(2, line.lastIndexOf(' ')),
                        Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        assertThat(expected.size()).isGreaterThan(10);
        for (int band : new int[] {1, 7, h}) {
            List<io.github.hubmapseg.core.geom.MaskPolygon> got = new ArrayList<>();
            io.github.hubmapseg.tiling.sink.PolygonSink sink = io.github.hubmapseg.tiling.sink.PolygonSink
                    .builder(got::add).threshold(t).score(EnergyFilter::energy).build();
            DenseCrfSinkTest.feed(sink, p, w, h, band);
            assertThat(got).hasSize(expected.size());
            for (io.github.hubmapseg.core.geom.MaskPolygon o : got) {
                String key = o.area() + " " + o.bounds().min(0) + " " + o.bounds().min(1) + " " + o.bounds().max(0)
                        + " " + o.bounds().max(1);
                assertThat(expected).as("band %d", band).containsKey(key);
                assertThat(o.meanScore()).as(key).isCloseTo(expected.get(key),
                        org.assertj.core.data.Offset.offset(1e-6 * expected.get(key)));
            }
        }
        List<io.github.hubmapseg.core.geom.MaskPolygon> plain = new ArrayList<>();
        DenseCrfSinkTest.feed(io.github.hubmapseg.tiling.sink.PolygonSink.builder(plain::add).threshold(t).build(), p,
                w, h, 7);
        assertThat(plain).isNotEmpty().allSatisfy(o -> assertThat(o.meanScore()).isNaN()); // no score asked: none
    }

    @Test
    void energyIsSoftplusOfTheLogit() {
        for (double z : new double[] {-5, -0.3, 0, 1.5, 9}) {
            double p = 1 / (1 + Math.exp(-z));
            assertThat(EnergyFilter.energy(p)).isCloseTo(Math.log1p(Math.exp(z)), org.assertj.core.data.Offset.offset(1e-12));
        }
        assertThat(EnergyFilter.energy(1.0)).isCloseTo(24 * Math.log(2), org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() {
        DenseCrfSinkTest.Collect c = new DenseCrfSinkTest.Collect();
        assertThatThrownBy(() -> new EnergyFilter(0, 1, c, null)).hasMessageContaining("(0, 1], got 0.0");
        assertThatThrownBy(() -> new EnergyFilter(0.5, Double.NaN, c, null))
                .hasMessageContaining("energy threshold must be a finite number >= 0, got NaN");
    }
}
