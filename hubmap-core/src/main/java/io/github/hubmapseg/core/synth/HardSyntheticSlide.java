package io.github.hubmapseg.core.synth;

import io.github.hubmapseg.core.kaggle.Polygon;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A synthetic PAS-stained kidney section at the competition's scale (about 0.5 um per pixel), generated on
 * demand like {@link SyntheticSlide}: every pixel is a pure function of the spec, the {@link Options} and its
 * coordinates, so a 30000 x 25000 slide streams region by region and its mask RLE is computed column by column
 * from the shapes.
 *
 * <p>Content (each item after the first switchable, {@link SynthElement}): cortex and medulla with tubules
 * (PAS-positive basement membranes and brush borders, pale cytoplasm, basal nuclei, open or collapsed lumens),
 * interstitium, glomeruli 300-600 px across (lobulated capillary tuft with loops and mesangial nuclei, Bowman's
 * space, capsule); tangential sections; glomeruli cut by the tissue edge; collapsed Bowman's space;
 * arterioles and small arteries; tubule clusters; globally sclerotic glomeruli (labelled only when
 * {@link Options#labelSclerotic()}: the outlier slide, like d488c759a of the 3rd- and 4th-place write-ups);
 * stain, background, sharpness and thickness that vary between slides; out-of-focus patches, folds, bubbles,
 * pen marks, dust, an illumination gradient; label outlines a few pixels off and an occasional missed
 * glomerulus.
 *
 * <p>Ground truth: a pixel is in the mask iff its centre is inside the label outline of a labelled glomerulus
 * (and inside the tissue for edge-cut ones). Reads return channel-planar RGB, axes {@code (x, y, c)}.
 */
public final class HardSyntheticSlide extends GeneratedSource implements SyntheticSection {

    /** What kind of glomerulus. */
    public enum Kind {
        /** Full-section healthy glomerulus. */
        HEALTHY,
        /** Tangential (partial, small) section of a healthy glomerulus. */
        TANGENTIAL,
        /** Globally sclerotic glomerulus. */
        SCLEROTIC
    }

    /**
     * One glomerulus of a hard slide.
     *
     * @param shape     drawn outline (capsule included)
     * @param label     label outline (equal to {@code shape} without annotation noise)
     * @param kind      kind
     * @param bowman    Bowman's space width as a fraction of the radius (0 = collapsed)
     * @param seed      texture seed
     * @param edgeCut   whether the glomerulus crosses the tissue edge (its label is clipped to the tissue)
     * @param labelled  whether it is in the mask
     */
    public record Glom(StarShape shape, StarShape label, Kind kind, double bowman, int seed, boolean edgeCut,
                       boolean labelled) {
    }

    /**
     * Options of a hard slide.
     *
     * @param elements       the switched-on elements
     * @param labelSclerotic whether sclerotic glomeruli are labelled (the outlier slide)
     * @param scleroticShare the share of glomeruli that are globally sclerotic, 0..1 ({@link #SCLEROTIC_SHARE} by
     *                       default; a higher one for a dedicated outlier experiment; tangential cuts keep their
     *                       share of the others)
     */
    public record Options(Set<SynthElement> elements, boolean labelSclerotic, double scleroticShare) {
        /** Copies the set, checks the share. */
        public Options {
            elements = Collections.unmodifiableSet(elements.isEmpty() ? EnumSet.noneOf(SynthElement.class)
                    : EnumSet.copyOf(elements));
            if (!(scleroticShare >= 0 && scleroticShare <= 1)) {
                throw new IllegalArgumentException("sclerotic share must be between 0 and 1, got " + scleroticShare);
            }
        }

        /** Options with the default {@link #SCLEROTIC_SHARE}. */
        public Options(Set<SynthElement> elements, boolean labelSclerotic) {
            this(elements, labelSclerotic, SCLEROTIC_SHARE);
        }

        /** @return every element on, sclerotic glomeruli not labelled */
        public static Options all() {
            return new Options(SynthElement.all(), false);
        }

        /** @return the same options without {@code e} */
        public Options without(SynthElement e) {
            Set<SynthElement> s = elements.isEmpty() ? EnumSet.noneOf(SynthElement.class) : EnumSet.copyOf(elements);
            s.remove(e);
            return new Options(s, labelSclerotic, scleroticShare);
        }

        /** @return the same options with {@code labelSclerotic} set */
        public Options labelSclerotic(boolean b) {
            return new Options(elements, b, scleroticShare);
        }

        /** @return the same options with another share of sclerotic glomeruli */
        public Options scleroticShare(double share) {
            return new Options(elements, labelSclerotic, share);
        }

        boolean has(SynthElement e) {
            return elements.contains(e);
        }
    }

    /** The share of glomeruli that are globally sclerotic on every slide (the outlier's too, by default). */
    public static final double SCLEROTIC_SHARE = 0.12;

    private static final double GROW = 1.06;
    /** {@code (b - 127.5) * (4.0 / 128)} and {@code (b - 127.5) * (2.0 / 128)} for each byte {@code b}: the grain. */
    private static final double[] GRAIN = new double[256];
    private static final double[] CH_GRAIN = new double[256];

    static {
        for (int b = 0; b < 256; b++) {
            GRAIN[b] = (b - 127.5) * (4.0 / 128);
            CH_GRAIN[b] = (b - 127.5) * (2.0 / 128);
        }
    }

    private static final int T_GLOM = 0;
    private static final int T_ARTERY = 1;
    private static final int T_CLUSTER = 2;

    private final Options options;
    private final StarShape tissue;
    private final StarShape medulla;
    private final List<Glom> gloms;
    /** Per glomerulus: the level where its capsule begins, and the frequency of its lobe (or glass) noise. */
    private final double[] glomCapsule;
    private final double[] glomLobeInv;
    private final StarShape[] objShapes;
    private final int[] objType;
    private final int[] objIndex;
    private final double[] arteryLumen;
    private final List<StarShape> arteries;
    private final List<StarShape> clusters;
    private final ShapeGrid objGrid;
    private final LabelOutlines labels;
    private final double[] hv = new double[3];
    private final double[] pv = new double[3];
    private final double[] bg = new double[3];
    // the stain and background per channel, for shade
    private final double hv0;
    private final double hv1;
    private final double hv2;
    private final double pv0;
    private final double pv1;
    private final double pv2;
    private final double bg0;
    private final double bg1;
    private final double bg2;
    private final double soft;
    private final boolean thickness;
    private final int texSeed;
    private final double cortexCell;
    private final double medullaCell;
    private final double gx;
    private final double gy;
    // artefacts: {cx, cy, along-x, along-y, half length, half width, wobble amplitude, wobble wavelength}
    private final double[][] folds;
    // {cx, cy, radius}
    private final double[][] bubbles;
    private final StarShape[] oof;
    // {cx, cy, along-x, along-y, half length, half width, amplitude, wavelength, r, g, b}
    private final double[][] pens;
    private final boolean dust;
    private final double invWidth;
    private final double invHeight;

    private HardSyntheticSlide(SlideSpec spec, Options options) {
        super(spec, "synthetic-hard");
        this.options = options;
        int w = spec.width();
        int h = spec.height();
        SplittableRandom rnd = new SplittableRandom(spec.seed() ^ 0x4A7D_5EEDL);
        this.texSeed = Noise.mix(spec.seed(), 11);
        // one random stream per element, so that switching one element off leaves the others as they were
        SplittableRandom stainRnd = rnd.split();
        SplittableRandom geoRnd = rnd.split();
        SplittableRandom glomRnd = rnd.split();
        SplittableRandom artRnd = rnd.split();
        SplittableRandom clRnd = rnd.split();
        SplittableRandom gradRnd = rnd.split();
        SplittableRandom foldRnd = rnd.split();
        SplittableRandom bubRnd = rnd.split();
        SplittableRandom oofRnd = rnd.split();
        SplittableRandom penRnd = rnd.split();
        boolean vary = options.has(SynthElement.STAIN_VARIATION);

        // PAS stain: haematoxylin (blue-purple nuclei) and the PAS reaction (magenta membranes, pink cytoplasm)
        double[] hVec = Noise.unitVector(0.66 + (vary ? Noise.jitter(stainRnd, 0.07) : 0),
                0.68 + (vary ? Noise.jitter(stainRnd, 0.05) : 0), 0.30 + (vary ? Noise.jitter(stainRnd, 0.08) : 0));
        double[] pVec = Noise.unitVector(0.16 + (vary ? Noise.jitter(stainRnd, 0.06) : 0), 0.90,
                0.30 + (vary ? Noise.jitter(stainRnd, 0.1) : 0));
        double hs = vary ? 1.55 + 0.7 * stainRnd.nextDouble() : 1.9;
        double ps = vary ? 1.15 + 0.7 * stainRnd.nextDouble() : 1.5;
        double bright = vary ? 226 + 24 * stainRnd.nextDouble() : 240;
        double tint = vary ? Noise.jitter(stainRnd, 7) : 0;
        bg[0] = Math.min(254, bright + tint + (vary ? Noise.jitter(stainRnd, 3) : 0));
        bg[1] = Math.min(254, bright + (vary ? Noise.jitter(stainRnd, 3) : 0));
        bg[2] = Math.min(254, bright - tint + (vary ? Noise.jitter(stainRnd, 3) : 0));
        for (int c = 0; c < 3; c++) {
            hv[c] = hVec[c] * hs;
            pv[c] = pVec[c] * ps;
        }
        this.hv0 = hv[0];
        this.hv1 = hv[1];
        this.hv2 = hv[2];
        this.pv0 = pv[0];
        this.pv1 = pv[1];
        this.pv2 = pv[2];
        this.bg0 = bg[0];
        this.bg1 = bg[1];
        this.bg2 = bg[2];
        this.soft = vary ? 0.6 + 1.8 * stainRnd.nextDouble() : 1.0;
        this.thickness = vary;

        // tissue and medulla
        double tcx = w * (0.5 + Noise.jitter(geoRnd, 0.035));
        double tcy = h * (0.5 + Noise.jitter(geoRnd, 0.035));
        double ta = 0.41 * w * (0.92 + 0.12 * geoRnd.nextDouble());
        double tb = 0.41 * h * (0.92 + 0.12 * geoRnd.nextDouble());
        double[][] tLobes = Noise.harmonics(geoRnd, 6, 0.025, 0.02, 0.3);
        this.tissue = new StarShape(tcx, tcy, ta, tb, Noise.jitter(geoRnd, 0.25), tLobes[0], tLobes[1]);
        double mScale = 0.38 + 0.14 * geoRnd.nextDouble();
        double[][] mLobes = Noise.harmonics(geoRnd, 4, 0.03, 0.03, 0.4);
        this.medulla = new StarShape(tcx + Noise.jitter(geoRnd, 0.06) * ta, tcy + Noise.jitter(geoRnd, 0.06) * tb, ta * mScale,
                tb * mScale, Noise.jitter(geoRnd, 0.5), mLobes[0], mLobes[1]);
        this.cortexCell = 100 + 24 * geoRnd.nextDouble();
        this.medullaCell = 70 + 20 * geoRnd.nextDouble();

        // glomeruli: mostly cortex, 300-600 px across when fully sectioned (a density about twice the real one so
        // that small slides hold enough of them)
        double tissueArea = Math.PI * ta * tb;
        double cortexArea = tissueArea * (1 - mScale * mScale);
        int target = (int) Math.round(cortexArea / (260_000.0 + 120_000.0 * glomRnd.nextDouble()));
        List<StarShape> placed = new ArrayList<>();
        List<Glom> gl = new ArrayList<>();
        PlacementGrid pg = new PlacementGrid(w, h, 512, 700);
        double sclerotic = options.scleroticShare();
        // 18 % tangential cuts with the default share; the same share of the non-sclerotic ones with another
        double tangential = sclerotic == SCLEROTIC_SHARE ? 0.30 : sclerotic + 0.18 / 0.88 * (1 - sclerotic);
        for (int attempt = 0; attempt < target * 60 && gl.size() < target; attempt++) {
            double x = tcx + (2 * glomRnd.nextDouble() - 1) * ta * 1.1;
            double y = tcy + (2 * glomRnd.nextDouble() - 1) * tb * 1.1;
            double u = glomRnd.nextDouble();
            double kindU = glomRnd.nextDouble();
            Kind kind = kindU < sclerotic ? Kind.SCLEROTIC : kindU < tangential ? Kind.TANGENTIAL : Kind.HEALTHY;
            double r = switch (kind) {
                case HEALTHY -> 150 + 150 * Math.pow(u, 1.4);
                case TANGENTIAL -> 50 + 90 * u;
                case SCLEROTIC -> 95 + 110 * u;
            };
            double aspect = 0.8 + 0.2 * glomRnd.nextDouble();
            double[] amp = {Noise.jitter(glomRnd, 0.06), Noise.jitter(glomRnd, 0.04), Noise.jitter(glomRnd, 0.03), Noise.jitter(glomRnd, 0.02)};
            double[] ph = {2 * Math.PI * glomRnd.nextDouble(), 2 * Math.PI * glomRnd.nextDouble(),
                    2 * Math.PI * glomRnd.nextDouble(), 2 * Math.PI * glomRnd.nextDouble()};
            double angle = Math.PI * glomRnd.nextDouble();
            double bowU = glomRnd.nextDouble();
            double bowman = 0.05 + 0.11 * glomRnd.nextDouble();
            int seed = glomRnd.nextInt();
            double accept = glomRnd.nextDouble();
            double edgeU = glomRnd.nextDouble();
            double missU = glomRnd.nextDouble();
            double ndx = Noise.jitter(glomRnd, 4);
            double ndy = Noise.jitter(glomRnd, 4);
            double nsc = 1 + Noise.jitter(glomRnd, 0.035);
            double[] namp = {amp[0] + Noise.jitter(glomRnd, 0.015), amp[1] + Noise.jitter(glomRnd, 0.01), amp[2], amp[3]};
            if (kind == Kind.TANGENTIAL && !options.has(SynthElement.TANGENTIAL_CUTS)) {
                kind = Kind.HEALTHY;
                r = 150 + 150 * Math.pow(u, 1.4);
            }
            if (kind == Kind.SCLEROTIC && !options.has(SynthElement.SCLEROTIC)) {
                continue;
            }
            if (options.has(SynthElement.COLLAPSED_BOWMAN) && bowU < 0.3 || kind == Kind.TANGENTIAL && bowU < 0.5) {
                bowman = 0;
            }
            if (kind == Kind.SCLEROTIC) {
                bowman = bowU < 0.5 ? 0 : 0.03 + 0.04 * bowman;
            }
            if (!tissue.contains(x, y)) {
                continue;
            }
            double tl = tissue.level(x, y);
            boolean edge = false;
            if (tl > 0.93) {
                // near the edge: with EDGE_CUTS some are kept and cut by it, the others rejected
                if (!options.has(SynthElement.EDGE_CUTS) || edgeU > 0.5) {
                    continue;
                }
            }
            if (medulla.contains(x, y) && accept > 0.05) {
                continue;
            }
            StarShape s = new StarShape(x, y, r, r * aspect, angle, amp, ph);
            if (s.minX() < 2 || s.minY() < 2 || s.maxX() > w - 3 || s.maxY() > h - 3) {
                continue;
            }
            edge = !tissueContainsDisc(s);
            if (edge && !options.has(SynthElement.EDGE_CUTS)) {
                continue;
            }
            if (!pg.free(s, placed, 1.18, 20)) {
                continue;
            }
            pg.add(s, placed);
            StarShape label = options.has(SynthElement.ANNOTATION_NOISE)
                    ? new StarShape(x + ndx, y + ndy, r * nsc, r * aspect * nsc, angle, namp, ph) : s;
            boolean labelled = (kind != Kind.SCLEROTIC || options.labelSclerotic())
                    && !(options.has(SynthElement.MISSED_ANNOTATIONS) && missU < 0.03);
            gl.add(new Glom(s, label, kind, bowman, seed, edge, labelled));
        }

        // arteries: arterioles (radius 35-90) and small arteries (90-210)
        List<StarShape> art = new ArrayList<>();
        List<Double> lum = new ArrayList<>();
        if (options.has(SynthElement.ARTERIES)) {
            int n = (int) Math.round(tissueArea / 1_300_000.0 * (0.8 + 0.5 * artRnd.nextDouble()));
            for (int attempt = 0; attempt < n * 40 && art.size() < n; attempt++) {
                double x = tcx + (2 * artRnd.nextDouble() - 1) * ta * 1.1;
                double y = tcy + (2 * artRnd.nextDouble() - 1) * tb * 1.1;
                boolean small = artRnd.nextDouble() < 0.55;
                double r = small ? 35 + 55 * artRnd.nextDouble() : 90 + 120 * artRnd.nextDouble();
                double[] amp = {Noise.jitter(artRnd, 0.06), Noise.jitter(artRnd, 0.02)};
                double[] ph = {2 * Math.PI * artRnd.nextDouble(), 2 * Math.PI * artRnd.nextDouble()};
                StarShape s = new StarShape(x, y, r, r * (0.75 + 0.25 * artRnd.nextDouble()), Math.PI * artRnd.nextDouble(),
                        amp, ph);
                double lumen = small ? 0.25 + 0.2 * artRnd.nextDouble() : 0.4 + 0.2 * artRnd.nextDouble();
                if (!tissue.contains(x, y) || tissue.level(x, y) > 0.9 || !pg.free(s, placed, 1.15, 10)) {
                    continue;
                }
                pg.add(s, placed);
                art.add(s);
                lum.add(lumen);
            }
        }
        // tubule clusters
        List<StarShape> cl = new ArrayList<>();
        if (options.has(SynthElement.TUBULE_CLUSTERS)) {
            int n = (int) Math.round(tissueArea / 2_000_000.0 * (0.7 + 0.6 * clRnd.nextDouble()));
            for (int attempt = 0; attempt < n * 40 && cl.size() < n; attempt++) {
                double x = tcx + (2 * clRnd.nextDouble() - 1) * ta * 1.1;
                double y = tcy + (2 * clRnd.nextDouble() - 1) * tb * 1.1;
                double r = 110 + 140 * clRnd.nextDouble();
                double[] amp = {Noise.jitter(clRnd, 0.1), Noise.jitter(clRnd, 0.05), Noise.jitter(clRnd, 0.03)};
                double[] ph = {2 * Math.PI * clRnd.nextDouble(), 2 * Math.PI * clRnd.nextDouble(),
                        2 * Math.PI * clRnd.nextDouble()};
                StarShape s = new StarShape(x, y, r, r * (0.7 + 0.3 * clRnd.nextDouble()), Math.PI * clRnd.nextDouble(),
                        amp, ph);
                if (!tissue.contains(x, y) || tissue.level(x, y) > 0.9 || !pg.free(s, placed, 1.1, 10)) {
                    continue;
                }
                pg.add(s, placed);
                cl.add(s);
            }
        }
        this.gloms = Collections.unmodifiableList(gl);
        this.glomCapsule = new double[gl.size()];
        this.glomLobeInv = new double[gl.size()];
        for (int i = 0; i < gl.size(); i++) {
            double ra = gl.get(i).shape().ra();
            boolean scl = gl.get(i).kind() == Kind.SCLEROTIC;
            glomCapsule[i] = scl ? 1 - 14.0 / ra : 1 - 5.0 / ra;
            glomLobeInv[i] = scl ? 1 / (0.3 * ra) : 1 / (0.22 * ra);
        }
        this.arteries = Collections.unmodifiableList(art);
        this.clusters = Collections.unmodifiableList(cl);
        this.arteryLumen = lum.stream().mapToDouble(Double::doubleValue).toArray();
        int nObj = gl.size() + art.size() + cl.size();
        this.objShapes = new StarShape[nObj];
        this.objType = new int[nObj];
        this.objIndex = new int[nObj];
        int k = 0;
        for (int i = 0; i < gl.size(); i++, k++) {
            objShapes[k] = gl.get(i).shape();
            objType[k] = T_GLOM;
            objIndex[k] = i;
        }
        for (int i = 0; i < art.size(); i++, k++) {
            objShapes[k] = art.get(i);
            objType[k] = T_ARTERY;
            objIndex[k] = i;
        }
        for (int i = 0; i < cl.size(); i++, k++) {
            objShapes[k] = cl.get(i);
            objType[k] = T_CLUSTER;
            objIndex[k] = i;
        }
        this.objGrid = new ShapeGrid(List.of(objShapes), GROW, w, h, 256);
        List<StarShape> ls = new ArrayList<>();
        List<StarShape> lc = new ArrayList<>();
        for (Glom g : gl) {
            if (g.labelled()) {
                ls.add(g.label());
                lc.add(g.edgeCut() ? tissue : null);
            }
        }
        this.labels = new LabelOutlines(ls.toArray(new StarShape[0]), lc.toArray(new StarShape[0]),
                new ShapeGrid(ls, 1.0, w, h, 256));

        // artefacts
        double diag = Math.sqrt((double) w * w + (double) h * h);
        this.gx = options.has(SynthElement.BRIGHTNESS_GRADIENT) ? Noise.jitter(gradRnd, 0.16) : 0;
        this.gy = options.has(SynthElement.BRIGHTNESS_GRADIENT) ? Noise.jitter(gradRnd, 0.16) : 0;
        List<double[]> fl = new ArrayList<>();
        if (options.has(SynthElement.FOLDS)) {
            int n = foldRnd.nextInt(3);
            for (int i = 0; i < n; i++) {
                double a = Math.PI * foldRnd.nextDouble();
                fl.add(new double[] {tcx + Noise.jitter(foldRnd, 0.6) * ta, tcy + Noise.jitter(foldRnd, 0.6) * tb, Math.cos(a),
                    Math.sin(a), diag * (0.08 + 0.15 * foldRnd.nextDouble()), 25 + 70 * foldRnd.nextDouble(),
                    20 + 60 * foldRnd.nextDouble(), 300 + 900 * foldRnd.nextDouble()});
            }
        }
        this.folds = fl.toArray(new double[0][]);
        List<double[]> bl = new ArrayList<>();
        if (options.has(SynthElement.BUBBLES)) {
            int n = bubRnd.nextInt(4);
            for (int i = 0; i < n; i++) {
                bl.add(new double[] {w * bubRnd.nextDouble(), h * bubRnd.nextDouble(), 50 + 300 * bubRnd.nextDouble()});
            }
        }
        this.bubbles = bl.toArray(new double[0][]);
        List<StarShape> ol = new ArrayList<>();
        if (options.has(SynthElement.OUT_OF_FOCUS)) {
            int n = 1 + oofRnd.nextInt(2);
            for (int i = 0; i < n; i++) {
                double r = Math.min(w, h) * (0.06 + 0.1 * oofRnd.nextDouble());
                ol.add(new StarShape(tcx + Noise.jitter(oofRnd, 0.7) * ta, tcy + Noise.jitter(oofRnd, 0.7) * tb, r,
                        r * (0.5 + 0.5 * oofRnd.nextDouble()), Math.PI * oofRnd.nextDouble(),
                        new double[] {Noise.jitter(oofRnd, 0.1)}, new double[] {2 * Math.PI * oofRnd.nextDouble()}));
            }
        }
        this.oof = ol.toArray(new StarShape[0]);
        List<double[]> pl = new ArrayList<>();
        if (options.has(SynthElement.PEN_MARKS) && penRnd.nextDouble() < 0.6) {
            double a = 2 * Math.PI * penRnd.nextDouble();
            double along = Math.PI * penRnd.nextDouble();
            double[][] inks = {{0.95, 0.55, 0.08}, {0.85, 0.15, 0.65}, {0.9, 0.9, 0.85}};
            double[] ink = inks[penRnd.nextInt(3)];
            double strength = 0.5 + 0.6 * penRnd.nextDouble();
            pl.add(new double[] {tcx + Math.cos(a) * ta * 0.95, tcy + Math.sin(a) * tb * 0.95, Math.cos(along),
                Math.sin(along), diag * (0.04 + 0.1 * penRnd.nextDouble()), 10 + 25 * penRnd.nextDouble(),
                30 + 120 * penRnd.nextDouble(), 400 + 800 * penRnd.nextDouble(), ink[0] * strength, ink[1] * strength,
                ink[2] * strength});
        }
        this.pens = pl.toArray(new double[0][]);
        this.dust = options.has(SynthElement.DUST);
        this.invWidth = 1.0 / spec.width();
        this.invHeight = 1.0 / spec.height();
    }

    /**
     * Builds a hard slide's geometry (fast: pixels are generated when read).
     *
     * @param spec    size, id and seed
     * @param options elements and whether sclerotic glomeruli are labelled
     * @return the slide
     */
    public static HardSyntheticSlide create(SlideSpec spec, Options options) {
        return new HardSyntheticSlide(Objects.requireNonNull(spec, "spec"), Objects.requireNonNull(options, "options"));
    }

    private boolean tissueContainsDisc(StarShape s) {
        for (int j = 0; j < 24; j++) {
            double a = 2 * Math.PI * j / 24;
            if (!tissue.contains(s.cx() + Math.cos(a) * s.extent(), s.cy() + Math.sin(a) * s.extent())) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ geometry and truth

    /** @return the options this slide was built with */
    public Options options() {
        return options;
    }

    /** @return every glomerulus (labelled or not), in placement order */
    public List<Glom> glomeruli() {
        return gloms;
    }

    /** @return outlines of the arteries and arterioles */
    public List<StarShape> arteries() {
        return arteries;
    }

    /** @return outlines of the tubule clusters */
    public List<StarShape> tubuleClusters() {
        return clusters;
    }

    @Override
    public StarShape tissue() {
        return tissue;
    }

    @Override
    public StarShape medulla() {
        return medulla;
    }

    @Override
    LabelOutlines labels() {
        return labels;
    }

    /** @return per labelled glomerulus (same order as {@link #glomerulusPolygons}), whether it is sclerotic */
    public List<Boolean> labelledSclerotic() {
        List<Boolean> out = new ArrayList<>();
        for (Glom g : gloms) {
            if (g.labelled()) {
                out.add(g.kind() == Kind.SCLEROTIC);
            }
        }
        return out;
    }

    /** @return drawn outlines of every sclerotic glomerulus, labelled or not (the 2-class labels) */
    public List<Polygon> scleroticPolygons(int n) {
        List<Polygon> out = new ArrayList<>();
        for (Glom g : gloms) {
            if (g.kind() == Kind.SCLEROTIC) {
                out.add(g.shape().polygon(n));
            }
        }
        return out;
    }

    /**
     * Writes the Kaggle RLE of one kind of hard negative (drawn outlines, clipped to the tissue): unlabelled
     * sclerotic glomeruli, arteries or tubule clusters.
     */
    public void writeLookalikeRle(Lookalike kind, Appendable out) throws IOException {
        List<StarShape> s = new ArrayList<>();
        switch (kind) {
            case SCLEROTIC -> {
                for (Glom g : gloms) {
                    if (g.kind() == Kind.SCLEROTIC && !g.labelled()) {
                        s.add(g.shape());
                    }
                }
            }
            case ARTERY -> s.addAll(arteries);
            case TUBULE_CLUSTER -> s.addAll(clusters);
            default -> throw new IllegalStateException(kind.toString());
        }
        StarShape[] clips = new StarShape[s.size()];
        java.util.Arrays.fill(clips, tissue);
        ShapeMasks.writeRle(s.toArray(new StarShape[0]), clips, spec.width(), spec.height(), out);
    }


    /** @return numbers of folds, bubbles, out-of-focus patches and pen strokes (for tests) */
    int[] artefactCounts() {
        return new int[] {folds.length, bubbles.length, oof.length, pens.length};
    }

    // ------------------------------------------------------------------ ImageSource

    @Override
    protected void readValid(long x, long y, int w, int h, byte[] dst, int dstWidth, int dstHeight, int ox, int oy) {
        Scratch sc = new Scratch();
        Block bk = new Block(folds.length, bubbles.length, oof.length, pens.length);
        int plane = dstWidth * dstHeight;
        // the coarse fields' anchors (every 64 columns of the slide) of a band of rows, filled at its first tissue
        // block and shared by the band's blocks
        long anchor0 = Math.floorDiv(x, ANCHOR);
        int anchors = (int) (Math.floorDiv(x + w - 1, ANCHOR) - anchor0) + 2;
        double[] band = null;
        for (int by = 0; by < h; by += BLOCK) {
            int bh = Math.min(BLOCK, h - by);
            boolean bandFilled = false;
            for (int bx = 0; bx < w; bx += BLOCK) {
                int bw = Math.min(BLOCK, w - bx);
                long x0 = x + bx;
                long y0 = y + by;
                boolean glass = enterBlock(bk, x0, y0, bw, bh);
                for (int j = 0; j < bh; j++) {
                    int d = ox + bx + dstWidth * (oy + by + j);
                    long yy = y0 + j;
                    double py = yy + 0.5;
                    Noise.valueRow(bk.tex, bw, x0 + 0.5, py, 1 / 9.0, texSeed);
                    double rowIllum = 1 + gy * (py * invHeight - 0.5);
                    if (glass) {
                        glassRow(bk, x0, yy, bw, rowIllum, dst, d, plane);
                        continue;
                    }
                    if (bk.tState >= 0) { // the coarse fields are read in the tissue only
                        if (!bandFilled) {
                            if (band == null) {
                                band = new double[3 * BLOCK * anchors];
                            }
                            fillBand(band, anchors, anchor0, y0, bh, sc);
                            bandFilled = true;
                        }
                        int k0 = (int) (Math.floorDiv(x0, ANCHOR) - anchor0);
                        if (thickness) {
                            coarseRow(bk.thick, bw, x0, band, j * anchors + k0);
                        }
                        coarseRow(bk.warpA, bw, x0, band, (BLOCK + j) * anchors + k0);
                        coarseRow(bk.warpB, bw, x0, band, (2 * BLOCK + j) * anchors + k0);
                    }
                    double[] he = sc.he;
                    double[] tex = bk.tex;
                    int tState = bk.tState;
                    int mState = bk.mState;
                    int no = bk.no;
                    int nf = bk.nf;
                    int nb = bk.nb;
                    int np = bk.np;
                    int ns = bk.ns;
                    if (tState > 0 && no + nf + nb + np + ns == 0) {
                        tissueRow(bk, x0, yy, bw, rowIllum, sc, dst, d, plane);
                        continue;
                    }
                    for (int i = 0; i < bw; i++, d++) {
                        long xx = x0 + i;
                        double px = xx + 0.5;
                        sc.soft = soft;
                        double blur = 0;
                        for (int q = 0; q < no; q++) {
                            double lev = oof[bk.oIdx[q]].level(px, py);
                            if (lev < 1) {
                                blur = Math.max(blur, Math.min(1, 3 * (1 - lev)));
                            }
                        }
                        sc.soft += 5 * blur;
                        int g = Noise.hash((int) xx, (int) yy, texSeed ^ 0x77);
                        boolean inTissue = tState > 0 || tState == 0 && tissue.contains(px, py);
                        if (!inTissue) {
                            he[0] = 0;
                            he[1] = 0.008 + 0.012 * tex[i];
                        } else {
                            boolean med = mState > 0 || mState == 0 && medulla.contains(px, py);
                            sc.wx = px + 60 * (bk.warpA[i] - 0.5);
                            sc.wy = py + 60 * (bk.warpB[i] - 0.5);
                            // fine texture: the pixel's own hash (shade uses other bits of it for grain)
                            double fine = ((g >>> 24) & 0xFF) * (1.0 / 255);
                            tissuePixel(px, py, bk, tex[i], fine, med, sc);
                            if (thickness) {
                                double t = 0.8 + 0.45 * bk.thick[i];
                                he[0] *= t;
                                he[1] *= t;
                            }
                            for (int q = 0; q < nf; q++) {
                                if (inBand(folds[bk.fIdx[q]], px, py)) {
                                    he[0] = he[0] * 1.8 + 0.05;
                                    he[1] = he[1] * 1.8 + 0.15;
                                }
                            }
                            if (blur > 0) {
                                he[0] += (0.16 - he[0]) * 0.45 * blur;
                                he[1] += (0.42 - he[1]) * 0.45 * blur;
                            }
                        }
                        double ink0 = 0;
                        double ink1 = 0;
                        double ink2 = 0;
                        double illum = rowIllum + bk.colIllum[i];
                        for (int q = 0; q < nb; q++) {
                            double[] b = bubbles[bk.bIdx[q]];
                            double dd = Math.hypot(px - b[0], py - b[1]);
                            if (dd < b[2] + 6) {
                                double rim = Math.abs(dd - b[2]);
                                if (rim < 6) {
                                    double a = 0.9 * (1 - rim / 6);
                                    ink0 += a;
                                    ink1 += a;
                                    ink2 += a;
                                } else {
                                    illum *= 1.04;
                                    he[0] *= 0.85;
                                    he[1] *= 0.85;
                                }
                            }
                        }
                        for (int q = 0; q < np; q++) {
                            double[] p = pens[bk.pIdx[q]];
                            if (inBand(p, px, py)) {
                                ink0 += p[8];
                                ink1 += p[9];
                                ink2 += p[10];
                            }
                        }
                        for (int q = 0; q < ns; q++) {
                            double sp = speck(bk.specks, q, px, py, sc);
                            if (sp > 0) {
                                double a = 1.1 * sp;
                                ink0 += a;
                                ink1 += a;
                                ink2 += a;
                            }
                        }
                        shade(g, he[0], he[1], ink0, ink1, ink2, illum, blur, dst, d, plane);
                    }
                }
            }
        }
    }

    /**
     * Finds what meets the block: objects, tissue and medulla state, artefacts, dust specks.
     *
     * @return whether the block is plain glass (outside the tissue, no artefact, no speck)
     */
    private boolean enterBlock(Block bk, long x0, long y0, int bw, int bh) {
        bk.oc = objGrid.block(objShapes, x0, y0, bw, bh, GROW, GROW, bk.oc);
        for (int i = 0; i < bw; i++) {
            double px = x0 + i + 0.5;
            bk.colIllum[i] = gx * (px * invWidth - 0.5);
        }
        double bcx = x0 + bw * 0.5;
        double bcy = y0 + bh * 0.5;
        double half = Math.sqrt(bw * bw + bh * bh) * 0.5 + 1;
        bk.tState = tissue.classifyDisc(bcx, bcy, half);
        bk.mState = bk.tState < 0 ? -1 : medulla.classifyDisc(bcx, bcy, half);
        int nf = 0;
        for (int i = 0; i < folds.length; i++) {
            if (bandNear(folds[i], bcx, bcy, half)) {
                bk.fIdx[nf++] = i;
            }
        }
        bk.nf = nf;
        int nb = 0;
        for (int i = 0; i < bubbles.length; i++) {
            double[] b = bubbles[i];
            double d = Math.hypot(bcx - b[0], bcy - b[1]);
            if (d < b[2] + half + 8) {
                bk.bIdx[nb++] = i;
            }
        }
        bk.nb = nb;
        int no = 0;
        for (int i = 0; i < oof.length; i++) {
            if (oof[i].classifyDisc(bcx, bcy, half) >= 0) {
                bk.oIdx[no++] = i;
            }
        }
        bk.no = no;
        int np = 0;
        for (int i = 0; i < pens.length; i++) {
            if (bandNear(pens[i], bcx, bcy, half)) {
                bk.pIdx[np++] = i;
            }
        }
        bk.np = np;
        int ns = dust ? dustInBlock(x0, y0, bw, bh, bk.specks) : 0;
        if (ns * 4 > bk.specks.length) {
            bk.specks = new double[ns * 4];
            dustInBlock(x0, y0, bw, bh, bk.specks);
        }
        bk.ns = ns;
        return bk.tState < 0 && no == 0 && nb == 0 && np == 0 && ns == 0;
    }

    /**
     * A row of a plain glass block: what {@link #readValid}'s pixel loop computes there, without the tissue and
     * artefact tests.
     */
    private void glassRow(Block bk, long x0, long yy, int bw, double rowIllum, byte[] dst, int d, int plane) {
        double[] tex = bk.tex;
        double[] colIllum = bk.colIllum;
        int seed = texSeed ^ 0x77;
        for (int i = 0; i < bw; i++, d++) {
            long xx = x0 + i;
            double px = xx + 0.5;
            int g = Noise.hash((int) xx, (int) yy, seed);
            double illum = rowIllum + colIllum[i];
            shadeSharp(g, 0, 0.008 + 0.012 * tex[i], illum, dst, d, plane);
        }
    }

    /**
     * A row of a block inside the tissue that no artefact meets (no blur, fold, bubble, pen or speck): what
     * {@link #readValid}'s pixel loop computes there, without the artefact loops ({@code blur} 0, no ink).
     */
    private void tissueRow(Block bk, long x0, long yy, int bw, double rowIllum, Scratch sc, byte[] dst, int d,
                           int plane) {
        double[] he = sc.he;
        double[] tex = bk.tex;
        double[] warpA = bk.warpA;
        double[] warpB = bk.warpB;
        double[] thick = bk.thick;
        double[] colIllum = bk.colIllum;
        int mState = bk.mState;
        int seed = texSeed ^ 0x77;
        double py = yy + 0.5;
        sc.soft = soft;
        for (int i = 0; i < bw; i++, d++) {
            long xx = x0 + i;
            double px = xx + 0.5;
            int g = Noise.hash((int) xx, (int) yy, seed);
            boolean med = mState > 0 || mState == 0 && medulla.contains(px, py);
            sc.wx = px + 60 * (warpA[i] - 0.5);
            sc.wy = py + 60 * (warpB[i] - 0.5);
            double fine = ((g >>> 24) & 0xFF) * (1.0 / 255);
            tissuePixel(px, py, bk, tex[i], fine, med, sc);
            if (thickness) {
                double t = 0.8 + 0.45 * thick[i];
                he[0] *= t;
                he[1] *= t;
            }
            double illum = rowIllum + colIllum[i];
            shadeSharp(g, he[0], he[1], illum, dst, d, plane);
        }
    }

    /** Per-read state of the current block: what meets it, and its rows' noise fields. */
    private static final class Block {
        final double[] tex = new double[BLOCK];
        /** The illumination's column term {@code gx * (px / width - 0.5)} of the block's columns. */
        final double[] colIllum = new double[BLOCK];
        final double[] thick = new double[BLOCK];
        final double[] warpA = new double[BLOCK];
        final double[] warpB = new double[BLOCK];
        final int[] fIdx;
        final int[] bIdx;
        final int[] oIdx;
        final int[] pIdx;
        double[] specks = new double[16];
        int[] oc = new int[16];
        int tState;
        int mState;
        int nf;
        int nb;
        int no;
        int np;
        int ns;

        Block(int folds, int bubbles, int oof, int pens) {
            fIdx = new int[folds];
            bIdx = new int[bubbles];
            oIdx = new int[oof];
            pIdx = new int[pens];
        }
    }

    private static final double DUST_CELL = 180;
    private static final double DUST_PROB = 0.06;

    /**
     * The dust specks meeting a block: at most one per {@link #DUST_CELL}-pixel cell (probability
     * {@link #DUST_PROB}), a soft dark disc in a square of 6-18 px; each as {@code {x, y, side, seed}} in
     * {@code out}.
     *
     * @return the number of specks (those beyond {@code out}'s capacity are counted, not stored)
     */
    private int dustInBlock(long x0, long y0, int bw, int bh, double[] out) {
        int seed = texSeed ^ 0xD057;
        int n = 0;
        for (long cy = Math.floorDiv(y0, (long) DUST_CELL); cy <= Math.floorDiv(y0 + bh - 1, (long) DUST_CELL); cy++) {
            for (long cx = Math.floorDiv(x0, (long) DUST_CELL); cx <= Math.floorDiv(x0 + bw - 1, (long) DUST_CELL);
                 cx++) {
                int h = Noise.hash((int) cx, (int) cy, seed);
                if ((h >>> 24) >= DUST_PROB * 256) {
                    continue;
                }
                double side = 6 + 12 * (((h >>> 8) & 0xFF) / 256.0);
                double ox = cx * DUST_CELL + ((h & 0xFF) / 256.0) * (DUST_CELL - 2 * side);
                double oy = cy * DUST_CELL + (((h >>> 16) & 0xFF) / 256.0) * (DUST_CELL - 2 * side);
                if (ox + side < x0 || ox > x0 + bw || oy + side < y0 || oy > y0 + bh) {
                    continue;
                }
                if (n * 4 + 4 <= out.length) {
                    out[n * 4] = ox;
                    out[n * 4 + 1] = oy;
                    out[n * 4 + 2] = side;
                    out[n * 4 + 3] = seed ^ h;
                }
                n++;
            }
        }
        return n;
    }

    private static double speck(double[] s, int q, double px, double py, Scratch sc) {
        double ox = s[q * 4];
        double oy = s[q * 4 + 1];
        double side = s[q * 4 + 2];
        if (px < ox || py < oy || px >= ox + side || py >= oy + side) {
            return 0;
        }
        return sc.speck.at(px - ox, py - oy, side, 1.0, (int) s[q * 4 + 3], 1.0);
    }

    /** Columns between the anchors of the coarse fields. */
    private static final int ANCHOR = 64;
    /** {@code m * (1.0 / 64)}: the position of column {@code m} of an anchor span (exact). */
    private static final double[] FRAC = new double[ANCHOR];

    static {
        for (int m = 0; m < ANCHOR; m++) {
            FRAC[m] = m * (1.0 / 64);
        }
    }

    /**
     * The coarse fields (thickness, tubule warp) at the anchors {@code (anchor0 + k) * 64 + 0.5} of rows
     * {@code y0 .. y0 + bh - 1}: field {@code f}, row {@code j}, anchor {@code k} at {@code (f * BLOCK + j) *
     * anchors + k} of {@code band}.
     */
    private void fillBand(double[] band, int anchors, long anchor0, long y0, int bh, Scratch sc) {
        for (int j = 0; j < bh; j++) {
            double py = y0 + j + 0.5;
            for (int k = 0; k < anchors; k++) {
                double ax = (anchor0 + k) * ANCHOR + 0.5;
                if (thickness) {
                    band[j * anchors + k] = sc.thick.at(ax, py, 1 / 700.0, texSeed ^ 0x7A7A);
                }
                band[(BLOCK + j) * anchors + k] = sc.warpA.at(ax, py, 1 / 160.0, texSeed ^ 0x3A3A);
                band[(2 * BLOCK + j) * anchors + k] = sc.warpB.at(ax, py, 1 / 160.0, texSeed ^ 0x3B3B);
            }
        }
    }

    /**
     * Low-frequency value noise along a row, linear between anchors every 64 columns of the slide (so each
     * value depends only on its coordinates): fields of 160-700 px need no per-pixel evaluation. The anchor
     * values of the row are {@code band[at ..]}, the first one at or left of {@code x0}.
     */
    private static void coarseRow(double[] out, int n, long x0, double[] band, int at) {
        long a = Math.floorDiv(x0, ANCHOR) * ANCHOR;
        int k = at;
        double vb = band[k];
        int i = 0;
        while (i < n) {
            double va = vb;
            vb = band[++k];
            double dv = vb - va;
            int off = (int) (x0 - a); // x - a of out[i] is off + i, 0..63
            int end = (int) Math.min(n, a + 64 - x0);
            for (; i < end; i++) {
                out[i] = va + dv * FRAC[off + i];
            }
            a += 64;
        }
    }

    /** Whether a point within {@code half} of {@code (x, y)} may be in the band. */
    private static boolean bandNear(double[] b, double x, double y, double half) {
        double dx = x - b[0];
        double dy = y - b[1];
        double along = dx * b[2] + dy * b[3];
        double across = dy * b[2] - dx * b[3];
        return Math.abs(along) < b[4] + half && Math.abs(across) < b[5] + b[6] + half;
    }

    private static boolean inBand(double[] b, double x, double y) {
        double dx = x - b[0];
        double dy = y - b[1];
        double along = dx * b[2] + dy * b[3];
        if (Math.abs(along) >= b[4]) {
            return false;
        }
        double across = dy * b[2] - dx * b[3] - b[6] * Math.sin(along / b[7] * 2 * Math.PI);
        // ends taper
        double taper = 1 - Math.pow(Math.abs(along) / b[4], 4);
        return Math.abs(across) < b[5] * taper;
    }

    /** Beer-Lambert: haematoxylin and PAS concentrations plus neutral/ink density, illumination and grain. */
    private void shade(int g, double hc, double pc, double i0, double i1, double i2, double illum,
                       double blur, byte[] dst, int d, int plane) {
        double amp = 1 - 0.7 * blur;
        double grain = GRAIN[g & 0xFF] * amp;
        dst[d] = channel(hc * hv0 + pc * pv0 + i0, bg0, illum, grain, g >>> 8, amp);
        dst[d + plane] = channel(hc * hv1 + pc * pv1 + i1, bg1, illum, grain, g >>> 16, amp);
        dst[d + 2 * plane] = channel(hc * hv2 + pc * pv2 + i2, bg2, illum, grain, g >>> 24, amp);
    }

    /**
     * {@link #shade} without blur and ink: the same values ({@code amp} is 1, and adding a zero ink density
     * changes no index), fewer operations.
     */
    private void shadeSharp(int g, double hc, double pc, double illum, byte[] dst, int d, int plane) {
        double grain = GRAIN[g & 0xFF];
        dst[d] = channelSharp(hc * hv0 + pc * pv0, bg0, illum, grain, g >>> 8);
        dst[d + plane] = channelSharp(hc * hv1 + pc * pv1, bg1, illum, grain, g >>> 16);
        dst[d + 2 * plane] = channelSharp(hc * hv2 + pc * pv2, bg2, illum, grain, g >>> 24);
    }

    /** {@link #channel} with {@code amp} 1. */
    private static byte channelSharp(double od, double bgc, double illum, double grain, int bits) {
        int k = BeerLambert.index(od, BeerLambert.HARD_MAX);
        double v = bgc * illum * BeerLambert.EXP[k] + grain + CH_GRAIN[bits & 0xFF];
        int iv = (int) (v + 0.5);
        return (byte) (iv < 0 ? 0 : Math.min(iv, 255));
    }

    /** One channel of {@link #shade}: optical density {@code od} through the background light, plus grain. */
    private static byte channel(double od, double bgc, double illum, double grain, int bits, double amp) {
        int k = BeerLambert.index(od, BeerLambert.HARD_MAX);
        double chGrain = CH_GRAIN[bits & 0xFF] * amp;
        double v = bgc * illum * BeerLambert.EXP[k] + grain + chGrain;
        int iv = (int) (v + 0.5);
        return (byte) (iv < 0 ? 0 : Math.min(iv, 255));
    }

    /** Haematoxylin and PAS concentrations of a tissue pixel, into {@code sc.he}. */
    private void tissuePixel(double px, double py, Block bk, double tex, double fine, boolean med, Scratch sc) {
        if (bk.oc[0] > 0) {
            int hit = objects(px, py, bk.oc, tex, fine, sc);
            if (hit == IN_OBJECT) {
                return;
            }
            if (hit == IN_RING) {
                interstitium(px, py, tex, sc);
                return;
            }
        }
        tubules(sc.wx, sc.wy, med ? medullaCell : cortexCell, med ? 0.42 : 0.49, 0, tex, fine, med, med ? 0x3c3c : 0x5a5a,
                sc);
    }

    private static final int IN_OBJECT = 1;
    private static final int IN_RING = 2;

    /**
     * The first of the block's objects {@code oc} that holds the pixel draws it ({@link #IN_OBJECT}); else
     * {@link #IN_RING} when it is in the ring of interstitium around an object other than a tubule cluster, 0
     * otherwise.
     */
    private int objects(double px, double py, int[] oc, double tex, double fine, Scratch sc) {
        boolean ring = false;
        for (int k = 1; k <= oc[0]; k++) {
            int o = oc[k];
            double lev = objShapes[o].probe(px, py, GROW);
            if (lev >= 0) {
                objectPixel(o, Math.min(lev, 0.9999), px, py, tex, fine, sc);
                return IN_OBJECT;
            }
            ring |= lev == StarShape.NEAR && objType[o] != T_CLUSTER;
        }
        return ring ? IN_RING : 0;
    }

    /** A pixel inside object {@code o} at level {@code lev}. */
    private void objectPixel(int o, double lev, double px, double py, double tex, double fine, Scratch sc) {
        switch (objType[o]) {
            case T_GLOM -> {
                int gi = objIndex[o];
                Glom g = gloms.get(gi);
                if (g.kind() == Kind.SCLEROTIC) {
                    scleroticPixel(g, gi, lev, px, py, tex, fine, sc);
                } else {
                    glomerulusPixel(g, gi, lev, px, py, tex, fine, sc);
                }
            }
            case T_ARTERY -> arteryPixel(objShapes[o], lev, arteryLumen[objIndex[o]], px, py, tex, fine, sc);
            default -> tubules(sc.wx, sc.wy, 36, 0.36, 0.22, tex, fine, true, 0x7C7C, sc);
        }
    }

    /**
     * Tubule cross-sections on a staggered grid of {@code cell}-pixel cells: basement membrane, epithelium with
     * basal nuclei, a brush border in proximal tubules, lumen.
     *
     * @param dense 0 for ordinary tubules, > 0 for a cluster of small, nucleus-dense tubules
     */
    private void tubules(double px, double py, double cell, double fill, double dense, double tex, double fine,
                         boolean medullary, int salt, Scratch sc) {
        double[] he = sc.he;
        TubuleCache t = dense > 0 ? sc.small : sc.tub;
        t.locate(px, py, cell, texSeed ^ salt, medullary, dense > 0, fill);
        if (t.plain) {
            interstitium(px, py, tex, sc);
            return;
        }
        double dx = px - t.cx;
        double dy = py - t.cy;
        double along = t.c * dx + t.s * dy;
        double across = t.c * dy - t.s * dx;
        double dist = Math.sqrt(along * along + across * across * t.invSquash) * t.invRt + 0.06 * (tex - 0.5);
        if (dist >= 1) {
            interstitium(px, py, tex, sc);
            return;
        }
        tubuleWall(t, dist, px, py, dense, tex, fine, salt, sc);
    }

    /** A tubule pixel at normalised distance {@code dist < 1} from the centre of tubule {@code t}. */
    private void tubuleWall(TubuleCache t, double dist, double px, double py, double dense, double tex, double fine,
                            int salt, Scratch sc) {
        double[] he = sc.he;
        double membrane = t.membrane;
        if (dist >= membrane) {
            he[0] = 0.03;
            he[1] = 0.85 * (0.85 + 0.3 * fine);
            return;
        }
        if (dist < t.lumen) {
            he[0] = 0.0;
            he[1] = 0.03 + 0.04 * fine;
            return;
        }
        if (t.brush && dist < t.brushEdge) {
            he[0] = 0.02;
            he[1] = (0.55 + 0.3 * fine) * (0.85 + 0.3 * tex);
            return;
        }
        he[0] = 0.04;
        he[1] = t.cyto * (0.8 + 0.25 * tex + 0.25 * fine);
        // nuclei in the basal part of the epithelium
        if (dist > t.basal || dense > 0) {
            double n = sc.tubNuc.at(px, py, dense > 0 ? 11 : 17, dense > 0 ? 0.75 : t.nucProb, texSeed ^ salt ^ 0x4242,
                    sc.soft);
            he[0] += 1.05 * n;
            he[1] *= 1 - 0.4 * n;
        }
        if (dense > 0) {
            he[0] += 0.08;
            he[1] += dense;
        }
    }

    private void interstitium(double px, double py, double tex, Scratch sc) {
        double[] he = sc.he;
        he[0] = 0.03;
        he[1] = 0.2 * (0.8 + 0.4 * tex);
        double n = sc.intNuc.at(px, py, 24, 0.08, texSeed ^ 0x1111, sc.soft);
        he[0] += 0.95 * n;
    }

    private void glomerulusPixel(Glom g, int gi, double lev, double px, double py, double tex, double fine, Scratch sc) {
        double[] he = sc.he;
        int seed = g.seed();
        double ra = g.shape().ra();
        double capsule = glomCapsule[gi];
        if (lev >= capsule) {
            he[0] = 0.03;
            he[1] = 0.9 * (0.85 + 0.3 * fine);
            he[0] += 0.9 * sc.capNuc.at(px, py, 15, 0.3, seed ^ 0x2222, sc.soft);
            return;
        }
        double lobe = sc.lobe.at(px, py, glomLobeInv[gi], seed) - 0.5;
        double tuftEdge = g.bowman() <= 0 ? capsule : capsule - g.bowman() + 0.09 * lobe;
        if (g.kind() == Kind.TANGENTIAL && g.bowman() > 0) {
            tuftEdge -= 0.15; // a grazing cut: more capsule and space than tuft
        }
        if (lev >= tuftEdge) {
            // Bowman's space, lined by flat parietal cells
            he[0] = 0.01;
            he[1] = 0.04 + 0.04 * fine;
            return;
        }
        double edge = (tuftEdge - lev) * ra; // pixels inside the tuft edge
        // capillary loops: open lumens (some with red cells) outlined by PAS-positive basement membrane
        double wx = px + 16 * (tex - 0.5);
        double wy = py + 16 * (sc.lobe2.at(px, py, 1 / 7.0, seed ^ 0x3535) - 0.5);
        double q = Math.min(sc.loopCells.at(wx, wy, 21, 0.7, seed ^ 0x3333),
                sc.loopCells2.at(wx + 9, wy + 5, 29, 0.5, seed ^ 0x3636) * 1.05);
        boolean rbc = sc.loopCells.rbc;
        if (q < 0.75 && edge > 4) {
            he[0] = 0.01;
            he[1] = rbc ? 0.34 + 0.1 * fine : 0.05 + 0.04 * fine;
            return;
        }
        if (q < 1.05) {
            he[0] = 0.05;
            he[1] = 0.95 * (0.85 + 0.3 * fine);
            return;
        }
        // mesangium with mesangial and endothelial nuclei; podocytes crowd the tuft edge
        he[0] = 0.1 + 0.08 * tex;
        he[1] = 0.6 * (0.8 + 0.4 * tex);
        double prob = edge < 14 ? 0.85 : 0.7;
        double n = sc.glomNuc.at(px, py, 13, prob, seed ^ 0x5555, sc.soft);
        he[0] += 1.1 * n;
        he[1] *= 1 - 0.45 * n;
    }

    private void scleroticPixel(Glom g, int gi, double lev, double px, double py, double tex, double fine, Scratch sc) {
        double[] he = sc.he;
        int seed = g.seed();
        double ra = g.shape().ra();
        double capsule = glomCapsule[gi];
        if (lev >= capsule) {
            // thick, lamellated capsule
            double t = (lev - capsule) / (1 - capsule);
            double stripes = Math.abs(Math.sin(t * 9 + 2 * tex));
            he[0] = 0.04;
            he[1] = (0.6 + 0.35 * stripes) * (0.9 + 0.2 * fine);
            return;
        }
        if (g.bowman() > 0 && lev >= capsule - g.bowman()) {
            he[0] = 0.0;
            he[1] = 0.05;
            return;
        }
        double glass = sc.lobe.at(px, py, glomLobeInv[gi], seed);
        double slit = sc.loops.at(px, py, 1 / 11.0, seed ^ 0x3333);
        he[0] = 0.05;
        he[1] = (0.5 + 0.25 * glass) * (0.95 + 0.1 * fine);
        if (slit > 0.72) {
            he[1] *= 0.55;
        }
        double n = sc.glomNuc.at(px, py, 22, 0.07, seed ^ 0x5555, sc.soft);
        he[0] += 0.9 * n;
    }

    private void arteryPixel(StarShape s, double lev, double lumen, double px, double py, double tex, double fine,
                             Scratch sc) {
        double[] he = sc.he;
        if (lev < lumen) {
            double clump = sc.loops.at(px, py, 1 / 6.0, texSeed ^ 0x6666);
            he[0] = 0.0;
            he[1] = clump > 0.64 ? 0.4 : 0.03;
            return;
        }
        double iel = lumen + 0.035 + 0.01 * Math.sin(Math.atan2(py - s.cy(), px - s.cx()) * 24);
        if (lev < iel) {
            he[0] = 0.04;
            he[1] = 0.95 * (0.9 + 0.2 * fine);
            return;
        }
        if (lev < 0.8) {
            // media: smooth muscle with nuclei elongated around the lumen
            double dx = px - s.cx();
            double dy = py - s.cy();
            double ang = Math.atan2(dy, dx);
            double rad = lev * s.ra();
            he[0] = 0.06;
            he[1] = 0.36 * (0.8 + 0.3 * tex + 0.2 * fine);
            double n = sc.artNuc.at(rad * 2.6, ang * s.ra() * 0.8, 13, 0.45, texSeed ^ 0x7777, sc.soft);
            he[0] += n;
            return;
        }
        // adventitia: fibrous
        double stripes = Math.abs(Math.sin(lev * 60 + 3 * tex));
        he[0] = 0.04;
        he[1] = (0.35 + 0.35 * stripes) * (0.85 + 0.3 * fine);
        he[0] += 0.9 * sc.intNuc.at(px, py, 20, 0.15, texSeed ^ 0x7878, sc.soft);
    }

    /** Per-cell values of a tubule grid, kept while consecutive pixels stay in one cell. */
    static final class TubuleCache {
        private boolean valid;
        private int col;
        private int row;
        private int seed;
        private double cell;
        boolean plain;
        double cx;
        double cy;
        double rt;
        double c;
        double s;
        double squash;
        double lumen;
        boolean brush;
        double cyto;
        double nucProb;
        double invRt;
        double invSquash;
        double membrane;
        double brushEdge;
        double basal;

        private double invCell;

        void locate(double px, double py, double cell, int seed, boolean medullary, boolean small, double fill) {
            if (cell != this.cell) {
                valid = false;
                this.cell = cell;
                invCell = 1 / cell;
            }
            int r = (int) Math.floor(py * invCell);
            double shift = (r & 1) == 0 ? 0 : cell * 0.5;
            int cl = (int) Math.floor((px + shift) * invCell);
            if (valid && cl == col && r == row && seed == this.seed) {
                return;
            }
            enter(cl, r, shift, cell, seed, medullary, small, fill);
        }

        private void enter(int cl, int r, double shift, double cell, int seed, boolean medullary, boolean small,
                           double fill) {
            valid = true;
            col = cl;
            row = r;
            this.seed = seed;
            int h = Noise.hash(cl, r, seed);
            int h2 = Noise.hash(cl, r, seed ^ 0x2D2D);
            double u1 = (h & 0x3FF) / 1024.0;
            double u2 = ((h >>> 10) & 0x3FF) / 1024.0;
            double u3 = ((h >>> 20) & 0x3FF) / 1024.0;
            double u4 = (h2 & 0x3FF) / 1024.0;
            double u5 = ((h2 >>> 10) & 0x3FF) / 1024.0;
            plain = !small && u5 < (medullary ? 0.12 : 0.04);
            rt = cell * (fill + 0.04 * u1);
            double slack = Math.max(0, cell * 0.5 - rt);
            cx = (cl + 0.5) * cell - shift + (2 * u2 - 1) * slack;
            cy = (r + 0.5) * cell + (2 * u1 - 1) * slack;
            double a = Math.PI * u4;
            c = Math.cos(a);
            s = Math.sin(a);
            squash = small ? 0.8 + 0.2 * u2 : 0.6 + 0.4 * u2 * u2;
            boolean proximal = !medullary && !small && u3 < 0.65;
            brush = proximal;
            if (small) {
                lumen = 0.12 + 0.15 * u3;
                cyto = 0.5;
                nucProb = 0.75;
            } else if (proximal) {
                lumen = 0.12 + 0.3 * u3 * u3;
                cyto = 0.36;
                nucProb = 0.4;
            } else if (medullary) {
                lumen = 0.45 + 0.25 * u3;
                cyto = 0.22;
                nucProb = 0.65;
            } else {
                lumen = 0.4 + 0.2 * u3;
                cyto = 0.27;
                nucProb = 0.55;
            }
            invRt = 1 / rt;
            invSquash = 1 / squash;
            membrane = 1 - 3.2 / rt;
            brushEdge = lumen + 7.0 / rt;
            // nuclei in the basal part of the epithelium: beyond 45 % of the way from the lumen to the membrane
            basal = lumen + 0.45 * (membrane - lumen);
        }
    }

    /** Round nuclei on a grid (at most one per cell) with soft edges; per-cell values cached. */
    static final class Nuclei {
        private boolean valid;
        private int cx;
        private int cy;
        private int seed;
        private double cell;
        private double prob;
        private boolean present;
        private double ccx;
        private double ccy;
        private double r;
        private double tone;

        /** @return intensity 0..1 of a nucleus at the point, edges {@code soft} pixels wide */
        private double invCell;

        double at(double px, double py, double cell, double prob, int seed, double soft) {
            if (cell != this.cell) {
                valid = false;
                invCell = 1 / cell;
            }
            int x = (int) Math.floor(px * invCell);
            int y = (int) Math.floor(py * invCell);
            if (!valid || x != cx || y != cy || seed != this.seed || prob != this.prob) {
                enter(x, y, cell, prob, seed);
            }
            if (!present) {
                return 0;
            }
            double dx = px - ccx;
            double dy = py - ccy;
            double d2 = dx * dx + dy * dy;
            double lim = r + soft * 0.5;
            if (d2 >= lim * lim) {
                return 0;
            }
            return inside(d2, soft);
        }

        // the rare paths out of line, so that the JIT inlines the common one into its callers
        private void enter(int x, int y, double cell, double prob, int seed) {
            valid = true;
            cx = x;
            cy = y;
            this.seed = seed;
            this.cell = cell;
            this.prob = prob;
            int h = Noise.hash(x, y, seed);
            present = (h >>> 24) < prob * 256;
            if (present) {
                double jx = ((h & 0xFF) / 256.0) * 0.3 + 0.35;
                double jy = (((h >>> 8) & 0xFF) / 256.0) * 0.3 + 0.35;
                r = cell * (0.24 + 0.1 * (((h >>> 16) & 0xFF) / 256.0));
                tone = ((h >>> 20) & 0xF) / 75.0;
                ccx = (x + jx) * cell;
                ccy = (y + jy) * cell;
            }
        }

        private double inside(double d2, double soft) {
            double dist = Math.sqrt(d2);
            double edge = (r - dist) / soft + 0.5;
            double v = edge >= 1 ? 1 : edge;
            return v * (0.75 + 0.15 * dist / r + tone) * (soft > 2.5 ? 2.5 / soft + 0.2 * (1 - 2.5 / soft) : 1);
        }
    }

    /** Capillary loops: one round lumen per grid cell (most cells), as the normalised distance to its centre. */
    static final class Loops {
        private boolean valid;
        private int cx;
        private int cy;
        private int seed;
        private double cell;
        private boolean present;
        private double ccx;
        private double ccy;
        private double inv;
        boolean rbc;

        /** @return distance to the cell's lumen centre over its radius (large where the cell has none) */
        private double invCell;

        double at(double px, double py, double cell, double prob, int seed) {
            if (cell != this.cell) {
                valid = false;
                this.cell = cell;
                invCell = 1 / cell;
            }
            int x = (int) Math.floor(px * invCell);
            int y = (int) Math.floor(py * invCell);
            if (!valid || x != cx || y != cy || seed != this.seed) {
                valid = true;
                cx = x;
                cy = y;
                this.seed = seed;
                int h = Noise.hash(x, y, seed);
                present = (h >>> 24) < prob * 256;
                double jx = ((h & 0xFF) / 256.0) * 0.3 + 0.35;
                double jy = (((h >>> 8) & 0xFF) / 256.0) * 0.3 + 0.35;
                inv = 1 / (cell * (0.3 + 0.12 * (((h >>> 16) & 0xFF) / 256.0)));
                ccx = (x + jx) * cell;
                ccy = (y + jy) * cell;
                rbc = (h & 0x300) == 0;
            }
            if (!present) {
                return 9;
            }
            double dx = (px - ccx) * inv;
            double dy = (py - ccy) * inv;
            return Math.sqrt(dx * dx + dy * dy);
        }
    }

    /** Per-read scratch: output concentrations and per-cell caches. */
    static final class Scratch {
        final double[] he = new double[2];
        double soft;
        /** Warped coordinates of the tubule field (rows of tubules bend). */
        double wx;
        double wy;
        final TubuleCache tub = new TubuleCache();
        final TubuleCache small = new TubuleCache();
        final Nuclei tubNuc = new Nuclei();
        final Nuclei intNuc = new Nuclei();
        final Nuclei capNuc = new Nuclei();
        final Nuclei glomNuc = new Nuclei();
        final Nuclei artNuc = new Nuclei();
        final Nuclei speck = new Nuclei();
        final Noise.ValueCache lobe = new Noise.ValueCache();
        final Noise.ValueCache loops = new Noise.ValueCache();
        final Loops loopCells = new Loops();
        final Loops loopCells2 = new Loops();
        final Noise.ValueCache lobe2 = new Noise.ValueCache();
        final Noise.ValueCache thick = new Noise.ValueCache();
        final Noise.ValueCache warpA = new Noise.ValueCache();
        final Noise.ValueCache warpB = new Noise.ValueCache();
    }
}
