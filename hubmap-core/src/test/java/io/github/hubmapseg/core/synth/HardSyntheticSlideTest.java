package io.github.hubmapseg.core.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.synth.HardSyntheticSlide.Glom;
import io.github.hubmapseg.core.synth.HardSyntheticSlide.Kind;
import io.github.hubmapseg.core.synth.HardSyntheticSlide.Options;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import net.imglib2.FinalInterval;
import org.junit.jupiter.api.Test;

class HardSyntheticSlideTest {

    private static final SlideSpec SMALL = new SlideSpec("small", 2200, 1800, 5);
    /** Geometry only (no pixels): large enough for every kind of object. */
    private static final SlideSpec LARGE = new SlideSpec("large", 12000, 10000, 3);

    @Test
    void columnWiseRleEqualsRleOfRasterisedMaskWithNoisyClippedLabels() {
        // a seed whose small slide has an edge-cut glomerulus (label clipped by the tissue)
        HardSyntheticSlide s = null;
        for (long seed = 1; seed < 60 && s == null; seed++) {
            HardSyntheticSlide c = HardSyntheticSlide.create(new SlideSpec("s", 2200, 1800, seed), Options.all());
            if (c.glomeruli().stream().anyMatch(g -> g.edgeCut() && g.labelled())) {
                s = c;
            }
        }
        assertThat(s).as("a seed with an edge-cut glomerulus").isNotNull();
        assertThat(SectionChecks.maskFormsAgree(s)).isGreaterThan(50_000);
        // the clipped label: a pixel of an edge-cut label outline outside the tissue is not in the mask
        Glom g = s.glomeruli().stream().filter(q -> q.edgeCut() && q.labelled()).findFirst().orElseThrow();
        boolean found = false;
        for (long y = g.label().minY(); y <= g.label().maxY() && !found; y++) {
            for (long x = g.label().minX(); x <= g.label().maxX() && !found; x++) {
                if (g.label().containsPixel(x, y) && !s.tissue().containsPixel(x, y)) {
                    assertThat(s.isGlomerulus(x, y)).isFalse();
                    found = true;
                }
            }
        }
        assertThat(found).isTrue();
    }

    @Test
    void pixelsArePureFunctionsOfSpecOptionsAndPosition() throws Exception {
        HardSyntheticSlide a = HardSyntheticSlide.create(SMALL, Options.all());
        HardSyntheticSlide b = HardSyntheticSlide.create(SMALL, Options.all());
        long x0 = 700;
        long y0 = 650;
        int w = 211;
        int h = 173;
        byte[] whole = a.read(FinalInterval.createMinSize(x0, y0, w, h)).update(null).getCurrentStorageArray();
        assertThat(SectionChecks.readInPieces(b, x0, y0, w, h, 59, 41)).isEqualTo(whole);
        assertThat(b.maskRle()).isEqualTo(a.maskRle());
    }

    @Test
    void glomeruliHaveTheCompetitionScaleAndSpread() {
        HardSyntheticSlide s = HardSyntheticSlide.create(LARGE, Options.all());
        List<Double> full = new ArrayList<>();
        for (Glom g : s.glomeruli()) {
            double d = 2 * Math.sqrt(g.shape().ra() * g.shape().rb());
            switch (g.kind()) {
                case HEALTHY -> full.add(d);
                case TANGENTIAL -> assertThat(d).isLessThan(300);
                case SCLEROTIC -> assertThat(d).isBetween(150.0, 450.0);
                default -> throw new AssertionError(g.kind());
            }
        }
        assertThat(full).hasSizeGreaterThan(40);
        double mean = full.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double sd = Math.sqrt(full.stream().mapToDouble(d -> (d - mean) * (d - mean)).average().orElseThrow());
        // 300-600 px across (150-300 um at 0.5 um per pixel), with a real spread
        assertThat(full).allMatch(d -> d >= 240 && d <= 620);
        assertThat(mean).isBetween(330.0, 480.0);
        assertThat(sd).isGreaterThan(40);
        assertThat(s.glomeruli().stream().filter(g -> g.kind() == Kind.HEALTHY && g.bowman() == 0).count())
                .as("collapsed Bowman's space").isGreaterThan(5);
    }

    @Test
    void everyGeometricElementSwitchesAlone() {
        Options all = Options.all();
        HardSyntheticSlide on = HardSyntheticSlide.create(LARGE, all);
        assertThat(on.arteries()).isNotEmpty();
        assertThat(HardSyntheticSlide.create(LARGE, all.without(SynthElement.ARTERIES)).arteries()).isEmpty();
        assertThat(on.tubuleClusters()).isNotEmpty();
        assertThat(HardSyntheticSlide.create(LARGE, all.without(SynthElement.TUBULE_CLUSTERS)).tubuleClusters())
                .isEmpty();
        assertThat(count(on, Kind.TANGENTIAL)).isGreaterThan(3);
        assertThat(count(HardSyntheticSlide.create(LARGE, all.without(SynthElement.TANGENTIAL_CUTS)),
                Kind.TANGENTIAL)).isZero();
        assertThat(count(on, Kind.SCLEROTIC)).isGreaterThan(3);
        assertThat(count(HardSyntheticSlide.create(LARGE, all.without(SynthElement.SCLEROTIC)), Kind.SCLEROTIC))
                .isZero();
        assertThat(on.glomeruli().stream().filter(Glom::edgeCut).count()).isGreaterThan(0);
        assertThat(HardSyntheticSlide.create(LARGE, all.without(SynthElement.EDGE_CUTS)).glomeruli())
                .noneMatch(Glom::edgeCut);
        assertThat(HardSyntheticSlide.create(LARGE, all.without(SynthElement.COLLAPSED_BOWMAN)).glomeruli())
                .filteredOn(g -> g.kind() == Kind.HEALTHY).allMatch(g -> g.bowman() > 0);
        // annotation noise: labels off by a few pixels, never more
        for (Glom g : on.glomeruli()) {
            double off = Math.hypot(g.label().cx() - g.shape().cx(), g.label().cy() - g.shape().cy());
            assertThat(off).isLessThan(6);
            assertThat(g.label().ra() / g.shape().ra()).isBetween(0.96, 1.04);
        }
        assertThat(on.glomeruli()).anyMatch(g -> g.label() != g.shape());
        assertThat(HardSyntheticSlide.create(LARGE, all.without(SynthElement.ANNOTATION_NOISE)).glomeruli())
                .allMatch(g -> g.label() == g.shape());
        // missed annotations: some healthy glomeruli unlabelled, none without the element
        assertThat(on.glomeruli()).anyMatch(g -> g.kind() != Kind.SCLEROTIC && !g.labelled());
        assertThat(HardSyntheticSlide.create(LARGE, all.without(SynthElement.MISSED_ANNOTATIONS)).glomeruli())
                .allMatch(g -> g.kind() == Kind.SCLEROTIC || g.labelled());
        // switching a drawing-only element off leaves the geometry and the truth as they were
        for (SynthElement e : List.of(SynthElement.STAIN_VARIATION, SynthElement.OUT_OF_FOCUS, SynthElement.FOLDS,
                SynthElement.BUBBLES, SynthElement.PEN_MARKS, SynthElement.DUST, SynthElement.BRIGHTNESS_GRADIENT,
                SynthElement.ARTERIES)) {
            HardSyntheticSlide off = HardSyntheticSlide.create(SMALL, all.without(e));
            HardSyntheticSlide ref = HardSyntheticSlide.create(SMALL, all);
            assertThat(off.maskRle()).as(e.toString()).isEqualTo(ref.maskRle());
            assertThat(off.glomeruli().size()).as(e.toString()).isEqualTo(ref.glomeruli().size());
        }
    }

    @Test
    void scleroticGlomeruliAreLabelledOnlyOnTheOutlierSlide() {
        HardSyntheticSlide normal = HardSyntheticSlide.create(LARGE, Options.all());
        HardSyntheticSlide outlier = HardSyntheticSlide.create(LARGE, Options.all().labelSclerotic(true));
        List<Glom> scl = normal.glomeruli().stream().filter(g -> g.kind() == Kind.SCLEROTIC).toList();
        assertThat(scl).isNotEmpty().noneMatch(Glom::labelled);
        for (Glom g : scl) {
            assertThat(normal.isGlomerulus((long) g.shape().cx(), (long) g.shape().cy())).isFalse();
        }
        long labelled = outlier.glomeruli().stream().filter(g -> g.kind() == Kind.SCLEROTIC && g.labelled()).count();
        assertThat(labelled).isGreaterThanOrEqualTo(scl.size() - 2); // a missed annotation may drop one
        assertThat(outlier.labelledCount()).isEqualTo(normal.labelledCount() + (int) labelled);
        assertThat(outlier.labelledSclerotic()).contains(true);
        assertThat(normal.labelledSclerotic()).doesNotContain(true);
    }

    @Test
    void theScleroticShareOfADedicatedOutlierSlideChangesOnlyTheKinds() throws Exception {
        List<Glom> normal = HardSyntheticSlide.create(LARGE, Options.all()).glomeruli();
        HardSyntheticSlide dense = HardSyntheticSlide.create(LARGE, Options.all().scleroticShare(0.5));
        double sclNormal = normal.stream().filter(g -> g.kind() == Kind.SCLEROTIC).count() / (double) normal.size();
        List<Glom> dg = dense.glomeruli();
        long scl = dg.stream().filter(g -> g.kind() == Kind.SCLEROTIC).count();
        long tang = dg.stream().filter(g -> g.kind() == Kind.TANGENTIAL).count();
        assertThat(sclNormal).isBetween(0.05, 0.2);
        assertThat(scl / (double) dg.size()).isBetween(0.4, 0.6);
        // tangential cuts keep their share of the glomeruli that are not sclerotic (18 % drawn, more placed: small)
        long nScl = normal.stream().filter(g -> g.kind() == Kind.SCLEROTIC).count();
        double tangNormal = normal.stream().filter(g -> g.kind() == Kind.TANGENTIAL).count()
                / (double) (normal.size() - nScl);
        assertThat(tang / (double) (dg.size() - scl)).isCloseTo(tangNormal, org.assertj.core.data.Offset.offset(0.1));
        // the share at its default is the default slide
        assertThat(Options.all().scleroticShare(HardSyntheticSlide.SCLEROTIC_SHARE)).isEqualTo(Options.all());
        // labelled or not: the same pixels, a different mask
        HardSyntheticSlide labelled = HardSyntheticSlide.create(LARGE, Options.all().scleroticShare(0.5)
                .labelSclerotic(true));
        Glom g = dg.stream().filter(q -> q.kind() == Kind.SCLEROTIC && !q.edgeCut()).findFirst().orElseThrow();
        long gx = (long) g.shape().cx() - 100;
        long gy = (long) g.shape().cy() - 100;
        byte[] a = new byte[200 * 200 * 3];
        byte[] b = new byte[200 * 200 * 3];
        dense.readInto(gx, gy, 200, 200, a);
        labelled.readInto(gx, gy, 200, 200, b);
        assertThat(b).isEqualTo(a);
        assertThat(dense.isGlomerulus(gx + 100, gy + 100)).isFalse();
        assertThat(labelled.isGlomerulus(gx + 100, gy + 100)).isTrue();
        assertThatThrownBy(() -> Options.all().scleroticShare(1.5)).hasMessageContaining("got 1.5");
        assertThatThrownBy(() -> Options.all().scleroticShare(Double.NaN)).hasMessageContaining("got NaN");
    }

    @Test
    void drawingElementsChangeThePixels() throws Exception {
        // glass at the two ends of the slide: the illumination gradient makes them differ
        Options clean = Options.all().without(SynthElement.DUST).without(SynthElement.PEN_MARKS)
                .without(SynthElement.BUBBLES);
        assertThat(cornerSpread(HardSyntheticSlide.create(SMALL, clean.without(SynthElement.BRIGHTNESS_GRADIENT))))
                .isLessThan(2);
        assertThat(cornerSpread(HardSyntheticSlide.create(SMALL, clean))).isGreaterThan(4);
        // dust: dark specks on the glass, none without it
        Options noInk = Options.all().without(SynthElement.PEN_MARKS).without(SynthElement.BUBBLES);
        assertThat(darkGlassPixels(HardSyntheticSlide.create(LARGE, noInk))).isGreaterThan(0);
        assertThat(darkGlassPixels(HardSyntheticSlide.create(LARGE, noInk.without(SynthElement.DUST)))).isZero();
        // stain variation: slides differ in colour; without it they share the stain
        assertThat(tissueMean(new SlideSpec("a", 2200, 1800, 1), Options.all()))
                .isNotEqualTo(tissueMean(new SlideSpec("b", 2200, 1800, 2), Options.all()));
        Options fixed = Options.all().without(SynthElement.STAIN_VARIATION);
        double[] a = tissueMean(new SlideSpec("a", 2200, 1800, 1), fixed);
        double[] b = tissueMean(new SlideSpec("b", 2200, 1800, 2), fixed);
        for (int c = 0; c < 3; c++) {
            assertThat(Math.abs(a[c] - b[c])).isLessThan(12);
        }
        // folds, bubbles, out-of-focus patches and pen marks: present on some seed, absent when switched off
        for (int k = 0; k < 4; k++) {
            SynthElement e = List.of(SynthElement.FOLDS, SynthElement.BUBBLES, SynthElement.OUT_OF_FOCUS,
                    SynthElement.PEN_MARKS).get(k);
            HardSyntheticSlide with = null;
            for (long seed = 1; seed < 30 && with == null; seed++) {
                HardSyntheticSlide c = HardSyntheticSlide.create(new SlideSpec("s", 2200, 1800, seed), Options.all());
                if (c.artefactCounts()[k] > 0) {
                    with = c;
                }
            }
            assertThat(with).as(e.toString()).isNotNull();
            HardSyntheticSlide without = HardSyntheticSlide.create(with.spec(), Options.all().without(e));
            assertThat(without.artefactCounts()[k]).isZero();
            byte[] p = with.read(FinalInterval.createMinSize(0, 0, 2200, 1800), 8).update(null)
                    .getCurrentStorageArray();
            byte[] q = without.read(FinalInterval.createMinSize(0, 0, 2200, 1800), 8).update(null)
                    .getCurrentStorageArray();
            assertThat(p).as(e.toString()).isNotEqualTo(q);
        }
    }

    @Test
    void aCompetitionSizedSlideHoldsHundredsOfGlomeruliInLittleMemory() throws Exception {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long before = rt.totalMemory() - rt.freeMemory();
        HardSyntheticSlide s = HardSyntheticSlide.create(new SlideSpec("huge", 30000, 25000, 9), Options.all());
        System.gc();
        long after = rt.totalMemory() - rt.freeMemory();
        // geometry only: object lists and bucket grids, never pixels (a 30000 x 25000 RGB image is 2.25 GB)
        assertThat(after - before).isLessThan(64L << 20);
        assertThat(s.labelledCount()).isBetween(300, 3000);
        Glom g = s.glomeruli().stream().filter(q -> q.labelled() && !q.edgeCut()).skip(100).findFirst().orElseThrow();
        long x = (long) g.label().cx() - 512;
        long y = (long) g.label().cy() - 512;
        byte[] m = s.mask(x, y, 1024, 1024);
        assertThat(m[512 * 1024 + 512]).isEqualTo((byte) 1);
        var img = s.read(FinalInterval.createMinSize(x, y, 1024, 1024));
        assertThat(img.dimension(0)).isEqualTo(1024);
        System.gc();
        assertThat(rt.totalMemory() - rt.freeMemory() - before).isLessThan(96L << 20);
    }

    @Test
    void badOptionsNameTheValue() {
        assertThatThrownBy(() -> SynthElement.parse("glitter")).hasMessageContaining("'glitter'")
                .hasMessageContaining("pen-marks");
        assertThatThrownBy(() -> SynthProfile.parse("medium")).hasMessageContaining("'medium'");
        assertThat(SynthElement.parse("pen-marks")).isEqualTo(SynthElement.PEN_MARKS);
        assertThat(new Options(EnumSet.noneOf(SynthElement.class), false).elements()).isEmpty();
    }

    private static long count(HardSyntheticSlide s, Kind k) {
        return s.glomeruli().stream().filter(g -> g.kind() == k).count();
    }

    private static double mean(HardSyntheticSlide s, long x, long y) throws Exception {
        byte[] p = s.read(FinalInterval.createMinSize(x, y, 64, 64)).update(null).getCurrentStorageArray();
        double sum = 0;
        for (byte b : p) {
            sum += b & 0xFF;
        }
        return sum / p.length;
    }

    private static double cornerSpread(HardSyntheticSlide s) throws Exception {
        double[] m = {mean(s, 4, 4), mean(s, 2130, 4), mean(s, 4, 1730), mean(s, 2130, 1730)};
        return Arrays.stream(m).max().orElseThrow() - Arrays.stream(m).min().orElseThrow();
    }

    private static long darkGlassPixels(HardSyntheticSlide s) throws Exception {
        // a strip of glass along the top edge (tissue starts at about 9 % of the height)
        int w = 12000;
        byte[] p = new byte[w * 200 * 3];
        s.readInto(0, 0, w, 200, p);
        long n = 0;
        for (int i = 0; i < w * 200; i++) {
            if ((p[i] & 0xFF) < 150 && (p[i + w * 200] & 0xFF) < 150) {
                n++;
            }
        }
        return n;
    }

    private static double[] tissueMean(SlideSpec spec, Options o) throws Exception {
        HardSyntheticSlide s = HardSyntheticSlide.create(spec, o.without(SynthElement.BRIGHTNESS_GRADIENT));
        byte[] p = s.read(FinalInterval.createMinSize(600, 500, 1000, 800), 4).update(null).getCurrentStorageArray();
        int n = p.length / 3;
        double[] m = new double[3];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) {
                m[c] += p[i + c * n] & 0xFF;
            }
            m[c] /= n;
        }
        return m;
    }
}
