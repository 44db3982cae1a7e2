package io.github.hubmapseg.core.geom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.kaggle.Polygon;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.LinearRing;

class ContourTracerTest {

    static List<MaskPolygon> trace(byte[] mask, int w, int h) {
        ContourTracer t = ContourTracer.of(w, h);
        List<MaskPolygon> out = new ArrayList<>();
        for (int y = 0; y < h; y++) {
            t.addRow(mask, y * w, null, 0);
            for (MaskPolygon p; (p = t.poll()) != null; ) {
                out.add(p);
            }
        }
        t.finish();
        for (MaskPolygon p; (p = t.poll()) != null; ) {
            out.add(p);
        }
        return out;
    }

    static byte[] random(SplittableRandom r, int w, int h, double density) {
        byte[] m = new byte[w * h];
        for (int i = 0; i < m.length; i++) {
            m[i] = r.nextDouble() < density ? (byte) 1 : 0;
        }
        return m;
    }

    /** Sizes of the components of value {@code fg} by flood fill (8- or 4-connected); border-touching flagged. */
    static List<long[]> components(byte[] m, int w, int h, boolean fgValue, boolean eight) {
        int[] lab = new int[w * h];
        Arrays.fill(lab, -1);
        List<long[]> out = new ArrayList<>();
        ArrayDeque<Integer> q = new ArrayDeque<>();
        for (int i = 0; i < m.length; i++) {
            if ((m[i] != 0) != fgValue || lab[i] >= 0) {
                continue;
            }
            long size = 0;
            long border = 0;
            lab[i] = out.size();
            q.add(i);
            while (!q.isEmpty()) {
                int k = q.poll();
                size++;
                int x = k % w;
                int y = k / w;
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
                    border = 1;
                }
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        if ((dx == 0 && dy == 0) || (!eight && dx != 0 && dy != 0)) {
                            continue;
                        }
                        int xx = x + dx;
                        int yy = y + dy;
                        if (xx < 0 || yy < 0 || xx >= w || yy >= h) {
                            continue;
                        }
                        int kk = yy * w + xx;
                        if ((m[kk] != 0) == fgValue && lab[kk] < 0) {
                            lab[kk] = out.size();
                            q.add(kk);
                        }
                    }
                }
            }
            out.add(new long[] {size, border});
        }
        return out;
    }

    static void assertValid(MaskPolygon p) {
        GeometryFactory gf = new GeometryFactory();
        LinearRing[] holes = new LinearRing[p.holes().size()];
        for (int i = 0; i < holes.length; i++) {
            holes[i] = gf.createLinearRing(coords(p.holes().get(i)));
            assertThat(Polygons.signedArea(p.holes().get(i))).isNegative();
        }
        assertThat(Polygons.signedArea(p.shell())).isPositive();
        org.locationtech.jts.geom.Polygon g = gf.createPolygon(gf.createLinearRing(coords(p.shell())), holes);
        assertThat(g.isValid()).as("OGC-valid polygon").isTrue();
    }

    static Coordinate[] coords(Polygon p) {
        Coordinate[] c = new Coordinate[p.size() + 1];
        for (int i = 0; i < p.size(); i++) {
            c[i] = new Coordinate(p.xs()[i], p.ys()[i]);
        }
        c[p.size()] = c[0];
        return c;
    }

    @Test
    void randomMasksRoundTripExactlyWithOneObjectPer8ConnectedComponent() {
        SplittableRandom r = new SplittableRandom(7);
        for (int iter = 0; iter < 400; iter++) {
            int w = 1 + r.nextInt(40);
            int h = 1 + r.nextInt(30);
            byte[] m = random(r, w, h, 0.2 + 0.6 * r.nextDouble());
            List<MaskPolygon> objects = trace(m, w, h);
            assertThat(Polygons.rasterize(objects, w, h)).as("round trip %d (%dx%d)", iter, w, h).isEqualTo(m);

            List<long[]> fg = components(m, w, h, true, true);
            assertThat(objects).hasSize(fg.size());
            long[] expectedAreas = fg.stream().mapToLong(c -> c[0]).sorted().toArray();
            long[] areas = objects.stream().mapToLong(MaskPolygon::area).sorted().toArray();
            assertThat(areas).isEqualTo(expectedAreas);
            long holes = components(m, w, h, false, false).stream().filter(c -> c[1] == 0).count();
            assertThat(objects.stream().mapToLong(o -> o.holes().size()).sum()).isEqualTo(holes);
            objects.forEach(ContourTracerTest::assertValid);
            assertThat(objects).allMatch(o -> Double.isNaN(o.meanValue()));
        }
    }

    @Test
    void ringWithHoleAndIslandAndDiagonalNeighbours() {
        String[] rows = {
            "........",
            ".######.",
            ".#....#.",
            ".#.#..#.",
            ".#....#.",
            ".######.",
            ".......#",
        };
        int w = rows[0].length();
        int h = rows.length;
        byte[] m = new byte[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                m[y * w + x] = rows[y].charAt(x) == '#' ? (byte) 1 : 0;
            }
        }
        List<MaskPolygon> objects = trace(m, w, h);
        assertThat(objects).hasSize(2); // the ring with its diagonal neighbour, and the island in its hole
        MaskPolygon ring = objects.stream().filter(o -> o.area() == 19).findFirst().orElseThrow();
        assertThat(ring.holes()).hasSize(1);
        assertThat(Math.abs(Polygons.signedArea(ring.holes().get(0)))).isBetween(11.0, 12.0);
        MaskPolygon island = objects.stream().filter(o -> o.area() == 1).findFirst().orElseThrow();
        assertThat(island.holes()).isEmpty();
        assertThat(island.bounds().min(0)).isEqualTo(3);
        assertThat(island.bounds().max(1)).isEqualTo(3);
        assertThat(Polygons.rasterize(objects, w, h)).isEqualTo(m);
    }

    @Test
    void reducedGridGivesTheNearestUpsampledLevel0MaskAreasAndWeightedMeans() {
        SplittableRandom r = new SplittableRandom(11);
        for (int iter = 0; iter < 100; iter++) {
            int reduce = 2 + r.nextInt(3);
            int fw = 1 + r.nextInt(60);
            int fh = 1 + r.nextInt(50);
            int gw = (fw + reduce - 1) / reduce;
            int gh = (fh + reduce - 1) / reduce;
            byte[] g = random(r, gw, gh, 0.5);
            float[] v = new float[gw * gh];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextDouble();
            }
            ContourTracer t = ContourTracer.scaled(fw, fh, reduce, 0);
            for (int y = 0; y < gh; y++) {
                t.addRow(g, y * gw, v, y * gw);
            }
            t.finish();
            List<MaskPolygon> objects = new ArrayList<>();
            for (MaskPolygon p; (p = t.poll()) != null; ) {
                objects.add(p);
            }
            byte[] full = new byte[fw * fh];
            double[] fv = new double[fw * fh];
            for (int y = 0; y < fh; y++) {
                for (int x = 0; x < fw; x++) {
                    full[y * fw + x] = g[(y / reduce) * gw + x / reduce];
                    fv[y * fw + x] = v[(y / reduce) * gw + x / reduce];
                }
            }
            assertThat(Polygons.rasterize(objects, fw, fh)).isEqualTo(full);
            for (MaskPolygon o : objects) {
                byte[] one = Polygons.rasterize(List.of(o), fw, fh);
                long n = 0;
                double s = 0;
                for (int i = 0; i < one.length; i++) {
                    if (one[i] != 0) {
                        n++;
                        s += fv[i];
                    }
                }
                assertThat(o.area()).isEqualTo(n);
                assertThat(o.meanValue()).isCloseTo(s / n, org.assertj.core.data.Offset.offset(1e-9));
                assertValid(o);
            }
        }
    }

    @Test
    void minPixelsDropsSmallObjects() {
        byte[] m = {1, 0, 1, 1, 0, 0, 0, 1, 1, 0};
        ContourTracer t = ContourTracer.scaled(10, 1, 1, 2);
        t.addRow(m, 0, null, 0);
        t.finish();
        List<Long> areas = new ArrayList<>();
        for (MaskPolygon p; (p = t.poll()) != null; ) {
            areas.add(p.area());
        }
        assertThat(areas).containsExactly(2L, 2L);
    }

    @Test
    void misuseFailsWithAMessage() {
        ContourTracer t = ContourTracer.of(4, 1);
        assertThatThrownBy(t::finish).hasMessageContaining("0 of 1 rows");
        t.addRow(new byte[4], 0, null, 0);
        assertThatThrownBy(() -> t.addRow(new byte[4], 0, null, 0)).hasMessageContaining("already added");
        assertThatThrownBy(() -> ContourTracer.of(0, 5)).hasMessageContaining("0 x 5");
        assertThatThrownBy(() -> ContourTracer.of(5, 5).addRow(new byte[3], 0, null, 0))
                .hasMessageContaining("does not fit");
    }
}
