package io.github.hubmapseg.core.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.kaggle.Polygon;
import java.util.List;
import java.util.SplittableRandom;
import net.imglib2.FinalInterval;
import org.junit.jupiter.api.Test;

class SyntheticSlideTest {

    private static final SlideSpec SMALL = new SlideSpec("small", 1100, 900, 5);

    @Test
    void columnWiseRleEqualsRleOfRasterisedMask() {
        SyntheticSlide s = SyntheticSlide.create(SMALL);
        assertThat(s.glomeruli()).isNotEmpty();
        assertThat(SectionChecks.maskFormsAgree(s)).isGreaterThan(1000);
    }

    @Test
    void pixelsArePureFunctionsOfSpecAndPosition() throws Exception {
        SyntheticSlide a = SyntheticSlide.create(SMALL);
        SyntheticSlide b = SyntheticSlide.create(SMALL);
        long x0 = 300;
        long y0 = 250;
        int w = 197;
        int h = 163;
        byte[] whole = a.read(FinalInterval.createMinSize(x0, y0, w, h)).update(null).getCurrentStorageArray();
        // the same region assembled from odd-sized pieces of another instance
        assertThat(SectionChecks.readInPieces(b, x0, y0, w, h, 53, 37)).isEqualTo(whole);
        SyntheticSlide other = SyntheticSlide.create(new SlideSpec("small", 1100, 900, 6));
        byte[] diff = other.read(FinalInterval.createMinSize(x0, y0, w, h)).update(null).getCurrentStorageArray();
        assertThat(diff).isNotEqualTo(whole);
    }

    @Test
    void glomeruliAreMostlyInCortexSizedAndDisjoint() {
        SyntheticSlide s = SyntheticSlide.create(new SlideSpec("big", 8192, 8192, 11));
        List<Glomerulus> g = s.glomeruli();
        assertThat(g.size()).isGreaterThan(100);
        long medulla = g.stream().filter(Glomerulus::inMedulla).count();
        assertThat(medulla).isLessThan(g.size() / 5);
        for (Glomerulus gl : g) {
            StarShape sh = gl.shape();
            assertThat(Math.max(sh.ra(), sh.rb())).isBetween(38.0, 125.0);
            assertThat(s.region((long) sh.cx(), (long) sh.cy())).isNotEqualTo(SyntheticSlide.Region.BACKGROUND);
            assertThat(gl.inMedulla()).isEqualTo(s.medulla().contains(sh.cx(), sh.cy()));
        }
        for (int i = 0; i < g.size(); i++) {
            for (int j = i + 1; j < g.size(); j++) {
                StarShape p = g.get(i).shape();
                StarShape q = g.get(j).shape();
                assertThat(Math.hypot(p.cx() - q.cx(), p.cy() - q.cy())).isGreaterThan(p.extent() + q.extent());
            }
        }
    }

    @Test
    void polygonsTraceTheMask() {
        SyntheticSlide s = SyntheticSlide.create(SMALL);
        List<Polygon> polys = s.glomerulusPolygons(64);
        assertThat(polys).hasSameSizeAs(s.glomeruli());
        for (Polygon p : polys) {
            long x0 = (long) Math.floor(min(p.xs())) - 2;
            long y0 = (long) Math.floor(min(p.ys())) - 2;
            int w = (int) (Math.ceil(max(p.xs())) - x0) + 4;
            int h = (int) (Math.ceil(max(p.ys())) - y0) + 4;
            byte[] m = s.mask(x0, y0, w, h);
            long inter = 0;
            long union = 0;
            for (int j = 0; j < h; j++) {
                for (int i = 0; i < w; i++) {
                    boolean a = m[j * w + i] != 0;
                    boolean b = p.contains(x0 + i + 0.5, y0 + j + 0.5);
                    inter += a && b ? 1 : 0;
                    union += a || b ? 1 : 0;
                }
            }
            assertThat(inter / (double) union).isGreaterThan(0.97);
        }
    }

    @Test
    void stainVariesBetweenSlidesAndColoursAreNotUniform() throws Exception {
        double[] m1 = tissueMean(SyntheticSlide.create(new SlideSpec("a", 1024, 1024, 1)));
        double[] m2 = tissueMean(SyntheticSlide.create(new SlideSpec("b", 1024, 1024, 2)));
        double d = Math.abs(m1[0] - m2[0]) + Math.abs(m1[1] - m2[1]) + Math.abs(m1[2] - m2[2]);
        assertThat(d).isGreaterThan(3);
        // inside a glomerulus the texture varies (no flat colours)
        SyntheticSlide s = SyntheticSlide.create(SMALL);
        StarShape g = s.glomeruli().get(0).shape();
        int r = (int) (Math.min(g.ra(), g.rb()) * 0.5);
        byte[] px = new byte[4 * r * r * 3];
        s.readInto((long) g.cx() - r, (long) g.cy() - r, 2 * r, 2 * r, px);
        double mean = 0;
        for (int i = 0; i < 4 * r * r; i++) {
            mean += px[i] & 0xFF;
        }
        mean /= 4 * r * r;
        double var = 0;
        for (int i = 0; i < 4 * r * r; i++) {
            var += ((px[i] & 0xFF) - mean) * ((px[i] & 0xFF) - mean);
        }
        assertThat(Math.sqrt(var / (4 * r * r))).isGreaterThan(10);
    }

    @Test
    void hugeSlideIsGeneratedOnDemand() throws Exception {
        SyntheticSlide s = SyntheticSlide.create(new SlideSpec("huge", 30000, 25000, 9));
        assertThat(s.width()).isEqualTo(30000);
        assertThat(s.glomeruli().size()).isGreaterThan(1000);
        StarShape g = s.glomeruli().get(s.glomeruli().size() / 2).shape();
        byte[] m = s.mask((long) g.cx() - 256, (long) g.cy() - 256, 512, 512);
        assertThat(m[256 * 512 + 256]).isEqualTo((byte) 1);
        var img = s.read(FinalInterval.createMinSize((long) g.cx() - 256, (long) g.cy() - 256, 512, 512));
        assertThat(img.dimension(2)).isEqualTo(3);
    }

    @Test
    void badSpecsNameTheValue() {
        assertThatThrownBy(() -> new SlideSpec("x", 100, 900, 1)).hasMessageContaining("100 x 900");
        assertThatThrownBy(() -> new SlideSpec("a/b", 1000, 900, 1)).hasMessageContaining("'a/b'");
        assertThatThrownBy(() -> SyntheticSlide.create(SMALL).mask(0, 0, 0, 5)).hasMessageContaining("0 x 5");
    }

    private static double[] tissueMean(SyntheticSlide s) throws Exception {
        int w = (int) s.width();
        int h = (int) s.height();
        byte[] px = new byte[w * h * 3];
        s.readInto(0, 0, w, h, px);
        double[] sum = new double[3];
        long n = 0;
        SplittableRandom r = new SplittableRandom(1);
        for (int k = 0; k < 20000; k++) {
            int x = r.nextInt(w);
            int y = r.nextInt(h);
            if (s.region(x, y) == SyntheticSlide.Region.BACKGROUND) {
                continue;
            }
            for (int c = 0; c < 3; c++) {
                sum[c] += px[x + w * (y + h * c)] & 0xFF;
            }
            n++;
        }
        return new double[] {sum[0] / n, sum[1] / n, sum[2] / n};
    }

    private static double min(double[] a) {
        double m = Double.MAX_VALUE;
        for (double v : a) {
            m = Math.min(m, v);
        }
        return m;
    }

    private static double max(double[] a) {
        double m = -Double.MAX_VALUE;
        for (double v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    @Test
    void rowCachesGiveExactlyTheUncachedNoiseAndNuclei() {
        SyntheticSlide.NucleusCache nc = new SyntheticSlide.NucleusCache();
        Noise.ValueCache vc = new Noise.ValueCache();
        int[] seeds = {7, 7, 0x1111, -5};
        double[] cells = {9, 13};
        for (int row = 0; row < 40; row++) {
            double py = 1000 + row * 0.5 + 0.5;
            for (int i = 0; i < 300; i++) {
                double px = -20 + i + 0.5;
                int seed = seeds[(i / 37) % seeds.length];
                double cell = cells[(i / 53) % 2];
                assertThat(Double.doubleToLongBits(nc.at(px, py, cell, 0.45, seed)))
                        .isEqualTo(Double.doubleToLongBits(SyntheticSlide.nucleus(px, py, cell, 0.45, seed)));
                double inv = (i / 71) % 2 == 0 ? 1 / 6.5 : 1 / 11.0;
                assertThat(Double.doubleToLongBits(vc.at(px, py, inv, seed)))
                        .isEqualTo(Double.doubleToLongBits(Noise.value(px, py, inv, seed)));
            }
        }
    }
}
