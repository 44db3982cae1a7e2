package io.github.hubmapseg.tiling.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.geom.MaskPolygon;
import io.github.hubmapseg.core.geom.Polygons;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.slide.InMemoryImageSource;
import io.github.hubmapseg.tiling.SlidingWindow;
import io.github.hubmapseg.tiling.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class PolygonSinkTest {

    /** Blobs: a sum of random Gaussians, 0..255. */
    static byte[] blobs(int w, int h, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] cx = new double[n];
        double[] cy = new double[n];
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            cx[i] = r.nextDouble() * w;
            cy[i] = r.nextDouble() * h;
            s[i] = 2 + r.nextDouble() * 9;
        }
        byte[] p = new byte[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = 0;
                for (int i = 0; i < n; i++) {
                    double dx = x - cx[i];
                    double dy = y - cy[i];
                    v += Math.exp(-(dx * dx + dy * dy) / (2 * s[i] * s[i]));
                }
                p[y * w + x] = (byte) Math.min(255, (int) (255 * v));
            }
        }
        return p;
    }

    @Test
    void polygonsOfTheSamePassRasteriseToTheRleMaskWithMeansOfTheValues() throws Exception {
        int w = 230;
        int h = 190;
        byte[] px = blobs(w, h, 40, 5);
        InMemoryImageSource img = new InMemoryImageSource(px, w, h, 1);
        // a small memory budget: many bands, so objects cross band borders
        SlidingWindow sw = SlidingWindow.builder(32).overlap(0.25).memoryBudget(600 << 10).build();
        RleMaskSink rle = new RleMaskSink();
        List<MaskPolygon> objects = new ArrayList<>();
        PolygonSink ps = PolygonSink.builder(objects::add).threshold(120).minPixels(6).build();
        sw.run(img, TestModels.identity(), RowSinks.all(List.of(RowSinks.maskStage(120, 6, rle), ps)));

        byte[] mask = Rle.decodeWindow(rle.runs(), 0, 0, w, h);
        assertThat(objects.size()).isGreaterThan(5);
        assertThat(ps.objects()).isEqualTo(objects.size());
        assertThat(Polygons.rasterize(objects, w, h)).isEqualTo(mask);
        for (MaskPolygon o : objects) {
            byte[] one = Polygons.rasterize(List.of(o), w, h);
            long n = 0;
            double sum = 0;
            for (int i = 0; i < one.length; i++) {
                if (one[i] != 0) {
                    n++;
                    sum += px[i] & 0xFF;
                }
            }
            assertThat(o.area()).isEqualTo(n);
            assertThat(o.meanValue()).isCloseTo(sum / n, Offset.offset(1e-3));
        }
    }

    @Test
    void bandSplitDoesNotChangeThePolygons() throws Exception {
        int w = 120;
        int h = 97;
        byte[] px = blobs(w, h, 25, 9);
        float[] v = new float[w * h];
        for (int i = 0; i < v.length; i++) {
            v[i] = (px[i] & 0xFF) / 255f;
        }
        List<List<MaskPolygon>> results = new ArrayList<>();
        for (int band : new int[] {1, 7, h}) {
            List<MaskPolygon> out = new ArrayList<>();
            PolygonSink s = PolygonSink.builder(out::add).threshold(0.4).build();
            s.begin(w, h);
            for (int y = 0; y < h; y += band) {
                int rows = Math.min(band, h - y);
                float[] b = java.util.Arrays.copyOfRange(v, y * w, (y + rows) * w);
                s.accept(y, rows, b);
            }
            s.end();
            results.add(out);
        }
        assertThat(results.get(0)).hasSize(results.get(2).size());
        for (int i = 0; i < results.get(0).size(); i++) {
            MaskPolygon a = results.get(0).get(i);
            MaskPolygon b = results.get(2).get(i);
            assertThat(a.shell().xs()).isEqualTo(b.shell().xs());
            assertThat(a.shell().ys()).isEqualTo(b.shell().ys());
            assertThat(a.holes()).hasSameSizeAs(b.holes());
            assertThat(a.meanValue()).isEqualTo(b.meanValue());
            assertThat(results.get(1).get(i).shell().xs()).isEqualTo(b.shell().xs());
        }
    }

    @Test
    void reducedGridRowsMatchTheLevel0SizeOrFail() throws Exception {
        PolygonSink s = PolygonSink.builder(o -> { }).scale(4, 101, 50).build();
        assertThatThrownBy(() -> s.begin(25, 13)).hasMessageContaining("1/4 grid of 101 x 50 (26 x 13)");
        PolygonSink t = PolygonSink.builder(o -> { }).build();
        t.begin(4, 4);
        assertThatThrownBy(() -> t.accept(2, 1, new float[4])).hasMessageContaining("expected row 0, got 2");
        assertThatThrownBy(() -> PolygonSink.builder(o -> { }).simplify(-1))
                .hasMessageContaining("got -1.0");
    }
}
