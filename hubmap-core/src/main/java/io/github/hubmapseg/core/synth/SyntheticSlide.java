package io.github.hubmapseg.core.synth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic synthetic H&amp;E kidney slide, generated on demand: every pixel is a pure function of the
 * {@link SlideSpec} and its coordinates, so any region of a 30000 x 25000 slide can be read without ever
 * holding the slide (or its mask) in memory, and writing it to a TIFF streams tile by tile.
 *
 * <p>Content: white glass background; a tissue section (a lobed ellipse) with an outer cortex and an inner
 * medulla; tubule-like texture (eosinophilic rings with nuclei around pale lumens, larger and paler in the
 * medulla); glomeruli (round tufts dense with nuclei and capillary lumens, Bowman's space and a capsule,
 * irregular outlines, radius about 40-120 px, mostly in the cortex); distractors (arteries: round bodies
 * with a striated wall and a lumen with red cells, not part of the mask); slide-specific stain vectors,
 * strengths and background.
 *
 * <p>Ground truth: a pixel is glomerulus iff its centre is inside one glomerulus outline
 * ({@link #isGlomerulus}); {@link #writeMaskRle} encodes that mask column by column without rasterising it.
 * Reads return channel-planar RGB, axes {@code (x, y, c)}.
 */
public final class SyntheticSlide extends GeneratedSource implements SyntheticSection {

    /** Region of a pixel, as used by the anatomical-structure files. */
    public enum Region {
        /** Outside the tissue (glass). */
        BACKGROUND,
        /** Tissue outside the medulla. */
        CORTEX,
        /** Tissue inside the medulla outline. */
        MEDULLA
    }

    private static final double[] DIR_C = {1, 0.7071067811865476, 0, -0.7071067811865476};
    private static final double[] DIR_S = {0, 0.7071067811865476, 1, 0.7071067811865476};

    private final StarShape tissue;
    private final StarShape medulla;
    private final List<Glomerulus> glomeruli;
    private final List<StarShape> vessels;
    private final double[] vesselLumen;
    private final StarShape[] glomShapes;
    private final StarShape[] vesselShapes;
    private final ShapeGrid glomGrid;
    private final LabelOutlines labels;
    private final ShapeGrid vesselGrid;
    private final Stain stain;
    private final double[] hv;
    private final double[] ev;
    private final int texSeed;
    private final double cortexTubule;
    private final double medullaTubule;

    private SyntheticSlide(SlideSpec spec) {
        super(spec, "synthetic");
        int w = spec.width();
        int h = spec.height();
        SplittableRandom rnd = new SplittableRandom(spec.seed());
        this.texSeed = Noise.mix(spec.seed(), 7);

        // stain
        double[] hVec = Noise.unitVector(0.65 + Noise.jitter(rnd, 0.06), 0.70 + Noise.jitter(rnd, 0.06), 0.29 + Noise.jitter(rnd, 0.06));
        double[] eVec = Noise.unitVector(0.13 + Noise.jitter(rnd, 0.05), 0.88, 0.36 + Noise.jitter(rnd, 0.08));
        double hs = 0.8 + 0.45 * rnd.nextDouble();
        double es = 0.75 + 0.55 * rnd.nextDouble();
        double bright = 236 + 16 * rnd.nextDouble();
        double[] bg = {bright + Noise.jitter(rnd, 3), bright + Noise.jitter(rnd, 3), bright + Noise.jitter(rnd, 3)};
        for (int c = 0; c < 3; c++) {
            bg[c] = Math.min(254, bg[c]);
        }
        this.stain = new Stain(hVec, eVec, hs, es, bg);
        this.hv = new double[3];
        this.ev = new double[3];
        for (int c = 0; c < 3; c++) {
            hv[c] = hVec[c] * hs * 1.35;
            ev[c] = eVec[c] * es * 0.8;
        }
        this.cortexTubule = 44 + 10 * rnd.nextDouble();
        this.medullaTubule = 50 + 14 * rnd.nextDouble();

        // tissue and medulla
        double tcx = w * (0.5 + Noise.jitter(rnd, 0.035));
        double tcy = h * (0.5 + Noise.jitter(rnd, 0.035));
        double ta = 0.40 * w * (0.92 + 0.12 * rnd.nextDouble());
        double tb = 0.40 * h * (0.92 + 0.12 * rnd.nextDouble());
        double[][] tLobes = Noise.harmonics(rnd, 5, 0.02, 0.015, 0.3);
        this.tissue = new StarShape(tcx, tcy, ta, tb, Noise.jitter(rnd, 0.25), tLobes[0], tLobes[1]);
        double mScale = 0.42 + 0.13 * rnd.nextDouble();
        double[][] mLobes = Noise.harmonics(rnd, 4, 0.03, 0.03, 0.4);
        this.medulla = new StarShape(tcx + Noise.jitter(rnd, 0.06) * ta, tcy + Noise.jitter(rnd, 0.06) * tb, ta * mScale,
                tb * mScale, Noise.jitter(rnd, 0.5), mLobes[0], mLobes[1]);

        // glomeruli, mostly in the cortex, not overlapping (with a margin for their periglomerular ring)
        double tissueArea = Math.PI * ta * tb;
        double medullaArea = Math.PI * ta * tb * mScale * mScale;
        double density = (0.75 + 0.5 * rnd.nextDouble()) / 100_000.0;
        int target = (int) Math.round((tissueArea - medullaArea) * density);
        List<StarShape> placed = new ArrayList<>();
        List<Glomerulus> gl = new ArrayList<>();
        PlacementGrid pg = new PlacementGrid(w, h, 256, 400);
        for (int attempt = 0; attempt < target * 40 && gl.size() < target; attempt++) {
            double x = tcx + (2 * rnd.nextDouble() - 1) * ta * 1.1;
            double y = tcy + (2 * rnd.nextDouble() - 1) * tb * 1.1;
            double u = rnd.nextDouble();
            double r = u < 0.06 ? 38 + 8 * rnd.nextDouble() : 45 + 72 * Math.pow(rnd.nextDouble(), 1.25);
            double aspect = 0.78 + 0.22 * rnd.nextDouble();
            double[] amp = {Noise.jitter(rnd, 0.07), Noise.jitter(rnd, 0.045), Noise.jitter(rnd, 0.03), Noise.jitter(rnd, 0.02)};
            double[] ph = {2 * Math.PI * rnd.nextDouble(), 2 * Math.PI * rnd.nextDouble(),
                    2 * Math.PI * rnd.nextDouble(), 2 * Math.PI * rnd.nextDouble()};
            double angle = Math.PI * rnd.nextDouble();
            double bowman = rnd.nextDouble() < 0.15 ? 0.0 : 0.04 + 0.1 * rnd.nextDouble();
            int seed = rnd.nextInt();
            double accept = rnd.nextDouble();
            if (!tissue.contains(x, y) || tissue.level(x, y) > 0.93) {
                continue;
            }
            boolean inMed = medulla.contains(x, y);
            if (inMed && accept > 0.06) {
                continue;
            }
            StarShape s = new StarShape(x, y, r, r * aspect, angle, amp, ph);
            if (s.minX() < 2 || s.minY() < 2 || s.maxX() > w - 3 || s.maxY() > h - 3) {
                continue;
            }
            if (!pg.free(s, placed, 1.15, 10)) {
                continue;
            }
            pg.add(s, placed);
            gl.add(new Glomerulus(s, seed, bowman, inMed));
        }
        // distractors: arteries anywhere in the tissue
        int nVessels = (int) Math.round(tissueArea / 450_000.0 * (0.7 + 0.6 * rnd.nextDouble()));
        List<StarShape> vs = new ArrayList<>();
        List<Double> lumens = new ArrayList<>();
        for (int attempt = 0; attempt < nVessels * 40 && vs.size() < nVessels; attempt++) {
            double x = tcx + (2 * rnd.nextDouble() - 1) * ta * 1.1;
            double y = tcy + (2 * rnd.nextDouble() - 1) * tb * 1.1;
            double r = 22 + 50 * rnd.nextDouble();
            double[] amp = {Noise.jitter(rnd, 0.08), Noise.jitter(rnd, 0.03)};
            double[] ph = {2 * Math.PI * rnd.nextDouble(), 2 * Math.PI * rnd.nextDouble()};
            StarShape s = new StarShape(x, y, r, r * (0.7 + 0.3 * rnd.nextDouble()), Math.PI * rnd.nextDouble(),
                    amp, ph);
            double lumen = 0.35 + 0.3 * rnd.nextDouble();
            if (!tissue.contains(x, y) || tissue.level(x, y) > 0.95 || !pg.free(s, placed, 1.12, 6)) {
                continue;
            }
            pg.add(s, placed);
            vs.add(s);
            lumens.add(lumen);
        }
        this.glomeruli = Collections.unmodifiableList(gl);
        this.vessels = Collections.unmodifiableList(vs);
        this.vesselLumen = lumens.stream().mapToDouble(Double::doubleValue).toArray();
        this.glomShapes = gl.stream().map(Glomerulus::shape).toArray(StarShape[]::new);
        this.vesselShapes = vs.toArray(new StarShape[0]);
        this.glomGrid = new ShapeGrid(Arrays.asList(glomShapes), 1.15, w, h, 256);
        this.labels = new LabelOutlines(glomShapes, null, glomGrid);
        this.vesselGrid = new ShapeGrid(vs, 1.12, w, h, 256);
    }

    /** Builds the slide's geometry (fast: no pixels are generated until they are read). */
    public static SyntheticSlide create(SlideSpec spec) {
        return new SyntheticSlide(spec);
    }

    /** The glomeruli, in placement order. */
    public List<Glomerulus> glomeruli() {
        return glomeruli;
    }

    /** Outlines of the distractor vessels (not in the mask). */
    public List<StarShape> vessels() {
        return vessels;
    }

    /** Outline of the tissue section. */
    public StarShape tissue() {
        return tissue;
    }

    /** Outline of the medulla (tissue inside it is medulla, the rest of the tissue is cortex). */
    public StarShape medulla() {
        return medulla;
    }

    /** This slide's stain. */
    public Stain stain() {
        return stain;
    }

    /** Region of pixel {@code (x, y)}. */
    public Region region(long x, long y) {
        double px = x + 0.5;
        double py = y + 0.5;
        if (!tissue.contains(px, py)) {
            return Region.BACKGROUND;
        }
        return medulla.contains(px, py) ? Region.MEDULLA : Region.CORTEX;
    }

    @Override
    LabelOutlines labels() {
        return labels;
    }

    // ------------------------------------------------------------------ ImageSource

    @Override
    protected void readValid(long x, long y, int w, int h, byte[] dst, int dstWidth, int dstHeight, int ox, int oy) {
        int[] gc = new int[16];
        int[] vc = new int[16];
        double[] tex = new double[BLOCK];
        double[] fine = new double[BLOCK];
        Scratch sc = new Scratch();
        double[] he = sc.he;
        int plane = dstWidth * dstHeight;
        for (int by = 0; by < h; by += BLOCK) {
            int bh = Math.min(BLOCK, h - by);
            for (int bx = 0; bx < w; bx += BLOCK) {
                int bw = Math.min(BLOCK, w - bx);
                long x0 = x + bx;
                long y0 = y + by;
                gc = glomGrid.block(glomShapes, x0, y0, bw, bh, 1.15, 1.13, gc);
                vc = vesselGrid.block(vesselShapes, x0, y0, bw, bh, 1.12, 1.10, vc);
                double bcx = x0 + bw * 0.5;
                double bcy = y0 + bh * 0.5;
                double half = Math.sqrt(bw * bw + bh * bh) * 0.5 + 1;
                int tState = tissue.classifyDisc(bcx, bcy, half);
                int mState = tState < 0 ? -1 : medulla.classifyDisc(bcx, bcy, half);
                for (int j = 0; j < bh; j++) {
                    int d = ox + bx + dstWidth * (oy + by + j);
                    double py = y0 + j + 0.5;
                    Noise.valueRow(tex, bw, x0 + 0.5, py, 1 / 9.0, texSeed);
                    Noise.valueRow(fine, bw, x0 + 0.5, py, 1 / 3.5, texSeed ^ 0x99);
                    for (int i = 0; i < bw; i++, d++) {
                        long xx = x0 + i;
                        long yy = y0 + j;
                        double px = xx + 0.5;
                        if (tState < 0 || tState == 0 && !tissue.contains(px, py)) {
                            he[0] = 0;
                            he[1] = 0.012 + 0.02 * tex[i];
                        } else {
                            boolean med = mState > 0 || mState == 0 && medulla.contains(px, py);
                            tissuePixel(px, py, (int) xx, (int) yy, gc, vc, tex[i], fine[i], med, sc);
                        }
                        shade((int) xx, (int) yy, he[0], he[1], dst, d, plane);
                    }
                }
            }
        }
    }

    /** Beer-Lambert rendering of haematoxylin/eosin concentrations plus grain into the planar destination. */
    private void shade(int ix, int iy, double hc, double ec, byte[] dst, int d, int plane) {
        int g = Noise.hash(ix, iy, texSeed ^ 0x77);
        double grain = ((g & 0xFF) - 127.5) * (5.0 / 128);
        double[] bg = stain.background();
        for (int c = 0; c < 3; c++) {
            double od = hc * hv[c] + ec * ev[c];
            int k = BeerLambert.index(od, BeerLambert.EASY_MAX);
            double chGrain = (((g >>> (8 + 8 * c)) & 0xFF) - 127.5) * (2.0 / 128);
            double v = bg[c] * BeerLambert.EXP[k] + grain + chGrain;
            int iv = (int) (v + 0.5);
            dst[d + c * plane] = (byte) (iv < 0 ? 0 : Math.min(iv, 255));
        }
    }

    /** Haematoxylin and eosin concentrations of a tissue pixel, into {@code he}. */
    private void tissuePixel(double px, double py, int ix, int iy, int[] gc, int[] vc, double tex, double fine,
                             boolean med, Scratch sc) {
        double[] he = sc.he;
        // glomeruli, then vessels; a ring around each is plain interstitium
        boolean ring = false;
        // (StarShape.probe = contains, level and levelBelow in one evaluation, same values)
        for (int k = 1; k <= gc[0]; k++) {
            double lev = glomShapes[gc[k]].probe(px, py, 1.13);
            if (lev >= 0) {
                glomerulusPixel(glomeruli.get(gc[k]), Math.min(lev, 0.9999), px, py, ix, iy, tex, sc);
                return;
            }
            ring |= lev == StarShape.NEAR;
        }
        for (int k = 1; k <= vc[0]; k++) {
            double lev = vesselShapes[vc[k]].probe(px, py, 1.10);
            if (lev >= 0) {
                vesselPixel(Math.min(lev, 0.9999), vesselLumen[vc[k]], px, py, ix, iy, tex, sc);
                return;
            }
            ring |= lev == StarShape.NEAR;
        }
        if (ring) {
            interstitium(px, py, tex, sc);
            return;
        }
        double cell = med ? medullaTubule : cortexTubule;
        // staggered grid of tubule cross-sections (per-row and per-cell values cached in the scratch)
        if (!sc.rValid || py != sc.rPy || med != sc.rMed) {
            sc.rValid = true;
            sc.rPy = py;
            sc.rMed = med;
            sc.rRow = (int) Math.floor(py / cell);
            sc.rShift = (sc.rRow & 1) == 0 ? 0 : cell * 0.5;
        }
        int row = sc.rRow;
        double sx = px + sc.rShift;
        int col = (int) Math.floor(sx / cell);
        if (!sc.tValid || col != sc.tCol || row != sc.tRow || med != sc.tMed) {
            sc.tValid = true;
            sc.tCol = col;
            sc.tRow = row;
            sc.tMed = med;
            int th = Noise.hash(col, row, texSeed ^ (med ? 0x3c3c : 0x5a5a));
            double u1 = (th & 0x3FF) / 1024.0;
            double u2 = ((th >>> 10) & 0x3FF) / 1024.0;
            double u3 = ((th >>> 20) & 0x3FF) / 1024.0;
            sc.tPlain = u3 < 0.08;
            double rt = cell * (0.34 + 0.1 * u1);
            double slack = cell * 0.5 - rt;
            sc.tRt = rt;
            sc.tTcx = (col + 0.5) * cell + (2 * u2 - 1) * slack;
            sc.tTcy = (row + 0.5) * cell + (2 * u1 - 1) * slack * 0.8;
            sc.tDir = (th >>> 30) & 3;
            sc.tSquash = 0.75 + 0.25 * u2;
            sc.tLumen = rt * (med ? 0.5 + 0.25 * u3 : 0.25 + 0.25 * u3);
        }
        if (sc.tPlain) {
            interstitium(px, py, tex, sc);
            return;
        }
        double rt = sc.tRt;
        double dx = sx - sc.tTcx;
        double dy = py - sc.tTcy;
        // elongated, oriented cross-section: squash along one of four directions
        int dir = sc.tDir;
        double squash = sc.tSquash;
        double along = DIR_C[dir] * dx + DIR_S[dir] * dy;
        double across = DIR_C[dir] * dy - DIR_S[dir] * dx;
        double dist = Math.sqrt(along * along * squash + across * across / squash) + 5.0 * (tex - 0.5);
        double lumen = sc.tLumen;
        if (dist < lumen) {
            he[0] = 0.0;
            he[1] = 0.05 + 0.05 * tex;
        } else if (dist < rt) {
            he[0] = 0.06;
            he[1] = (med ? 0.42 : 0.62) * (0.75 + 0.3 * tex + 0.2 * fine);
            double n = sc.tubule.at(px, py, 12, med ? 0.35 : 0.45, texSeed ^ 0x4242);
            he[0] += 0.95 * n;
        } else {
            interstitium(px, py, tex, sc);
        }
    }

    private void interstitium(double px, double py, double tex, Scratch sc) {
        double[] he = sc.he;
        he[0] = 0.04;
        he[1] = 0.22 * (0.7 + 0.6 * tex);
        he[0] += 0.9 * sc.interstitium.at(px, py, 13, 0.12, texSeed ^ 0x1111);
    }

    private void glomerulusPixel(Glomerulus g, double lev, double px, double py, int ix, int iy, double tex,
                                 Scratch sc) {
        double[] he = sc.he;
        int seed = g.textureSeed();
        double capsule = 1 - Math.min(0.09, 5.0 / g.shape().ra());
        double wobble = sc.wobble.at(px, py, 1 / 11.0, seed) - 0.5;
        double tuftEdge = capsule - g.bowmanWidth() + 0.06 * wobble;
        if (lev >= capsule + 0.01 * wobble) {
            he[0] = 0.1;
            he[1] = 0.55 * (0.8 + 0.4 * tex);
            he[0] += 0.8 * sc.capsule.at(px, py, 9, 0.3, seed ^ 0x2222);
        } else if (lev >= tuftEdge) {
            he[0] = 0.0;
            he[1] = 0.06 + 0.04 * tex;
        } else {
            double cap = sc.capillary.at(px, py, 1 / 6.5, seed ^ 0x3333);
            if (cap > 0.68) {
                // capillary lumen, sometimes with red cells
                boolean rbc = Noise.unit(ix >> 2, iy >> 2, seed) < 0.25;
                he[0] = 0.02;
                he[1] = rbc ? 0.8 : 0.08;
            } else {
                he[0] = 0.22 + 0.1 * tex;
                he[1] = 0.5 * (0.75 + 0.5 * sc.tuftTexture.at(px, py, 1 / 3.0, seed ^ 0x4444));
                he[0] += 0.95 * sc.tuft.at(px, py, 9, 0.62, seed ^ 0x5555);
            }
        }
    }

    private void vesselPixel(double lev, double lumen, double px, double py, int ix, int iy, double tex,
                             Scratch sc) {
        double[] he = sc.he;
        if (lev < lumen) {
            double clump = sc.clump.at(px, py, 1 / 5.0, texSeed ^ 0x6666);
            he[0] = 0.01;
            he[1] = clump > 0.6 ? 0.85 : 0.04;
            return;
        }
        double t = (lev - lumen) / (1 - lumen);
        double stripes = t * 7 + 0.8 * tex;
        double tri = Math.abs(stripes - Math.floor(stripes) - 0.5) * 2;
        he[0] = 0.07;
        he[1] = 0.72 * (0.8 + 0.3 * tri);
        he[0] += 0.7 * sc.vessel.at(px, py, 9, 0.18, texSeed ^ 0x7777);
    }

    /** Intensity (0..~1) of a nucleus at this point: one optional round nucleus per {@code cell} grid cell. */
    static double nucleus(double px, double py, double cell, double prob, int seed) {
        int cx = (int) Math.floor(px / cell);
        int cy = (int) Math.floor(py / cell);
        int h = Noise.hash(cx, cy, seed);
        if ((h >>> 24) >= prob * 256) {
            return 0;
        }
        double jx = ((h & 0xFF) / 256.0) * 0.34 + 0.33;
        double jy = (((h >>> 8) & 0xFF) / 256.0) * 0.34 + 0.33;
        double r = cell * (0.22 + 0.1 * (((h >>> 16) & 0xFF) / 256.0));
        double dx = px - (cx + jx) * cell;
        double dy = py - (cy + jy) * cell;
        double q = (dx * dx + dy * dy) / (r * r);
        return q < 1 ? 1 - 0.35 * q : 0;
    }

    /**
     * {@link #nucleus} with the per-cell values (hash, centre, radius) kept while consecutive pixels stay in
     * one grid cell: the same arithmetic, so the same values, without re-hashing every pixel.
     */
    static final class NucleusCache {
        private boolean valid;
        private int cx;
        private int cy;
        private int seed;
        private double cell;
        private double prob;
        private boolean present;
        private double ccx;
        private double ccy;
        private double rr;

        private double lastPy = Double.NaN;
        private double lastPyCell;
        private int lastY;

        double at(double px, double py, double cell, double prob, int seed) {
            int x = (int) Math.floor(px / cell);
            if (py != lastPy || cell != lastPyCell) {
                lastPy = py;
                lastPyCell = cell;
                lastY = (int) Math.floor(py / cell);
            }
            int y = lastY;
            if (!valid || x != cx || y != cy || seed != this.seed || cell != this.cell || prob != this.prob) {
                valid = true;
                cx = x;
                cy = y;
                this.seed = seed;
                this.cell = cell;
                this.prob = prob;
                int h = Noise.hash(x, y, seed);
                present = (h >>> 24) < prob * 256;
                if (present) {
                    double jx = ((h & 0xFF) / 256.0) * 0.34 + 0.33;
                    double jy = (((h >>> 8) & 0xFF) / 256.0) * 0.34 + 0.33;
                    double r = cell * (0.22 + 0.1 * (((h >>> 16) & 0xFF) / 256.0));
                    ccx = (x + jx) * cell;
                    ccy = (y + jy) * cell;
                    rr = r * r;
                }
            }
            if (!present) {
                return 0;
            }
            double dx = px - ccx;
            double dy = py - ccy;
            double d2 = dx * dx + dy * dy;
            if (d2 >= rr) {
                return 0; // then d2 / rr >= rr / rr = 1 (division is monotonic): outside, no division needed
            }
            double q = d2 / rr;
            return q < 1 ? 1 - 0.35 * q : 0;
        }
    }

    /** Per-read scratch: H&amp;E output, and caches of per-cell values (one per texture). */
    static final class Scratch {
        final double[] he = new double[2];
        final NucleusCache interstitium = new NucleusCache();
        final NucleusCache tubule = new NucleusCache();
        final NucleusCache capsule = new NucleusCache();
        final NucleusCache tuft = new NucleusCache();
        final NucleusCache vessel = new NucleusCache();
        final Noise.ValueCache wobble = new Noise.ValueCache();
        final Noise.ValueCache capillary = new Noise.ValueCache();
        final Noise.ValueCache tuftTexture = new Noise.ValueCache();
        final Noise.ValueCache clump = new Noise.ValueCache();
        // tubule cell cache, key (col, row, med)
        boolean tValid;
        int tCol;
        int tRow;
        boolean tMed;
        boolean tPlain;
        double tRt;
        double tTcx;
        double tTcy;
        int tDir;
        double tSquash;
        double tLumen;
        // tubule row cache, key (py, med)
        boolean rValid;
        double rPy;
        boolean rMed;
        int rRow;
        double rShift;
    }
}
