package io.github.hubmapseg.tiling.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.hubmapseg.core.conformance.CaseResult;
import io.github.hubmapseg.core.conformance.ConformanceCheck;
import io.github.hubmapseg.core.conformance.ConformanceJson;
import io.github.hubmapseg.tiling.ImportanceMaps;
import io.github.hubmapseg.tiling.Rasters;
import io.github.hubmapseg.tiling.SlidingWindow;
import io.github.hubmapseg.tiling.TileGrid;
import io.github.hubmapseg.tiling.Weighting;
import io.github.hubmapseg.tiling.sample.PdfSampler;
import io.github.hubmapseg.tiling.sink.FloatImageSink;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Conformance of hubmap-tiling: {@code stitching} (stitch.json, run through {@link SlidingWindow} in double
 * precision with the file's box-blur model, abs 1e-13), {@code gaussian_importance_map} (gaussian.json,
 * abs 1e-15; the large maps' sums, computed pairwise like numpy, at rel 1e-12) and {@code pdf_sampling}
 * (sampling.json: the weight map exactly, masses abs 1e-12, and {@code n_samples} own draws per case with
 * every set's fraction within the file's tolerance and no zero-weight pixel drawn).
 */
public final class TilingConformance implements ConformanceCheck {

    /** Absolute tolerance of stitch.json in double. */
    public static final double STITCH_TOLERANCE = 1e-13;
    /** Absolute tolerance of gaussian.json. */
    public static final double GAUSSIAN_TOLERANCE = 1e-15;

    @Override
    public Set<String> kinds() {
        return Set.of("stitching", "gaussian_importance_map", "gaussian", "pdf_sampling");
    }

    @Override
    public List<CaseResult> run(JsonNode file) {
        String kind = file.get("kind").asText();
        List<CaseResult> out = new ArrayList<>();
        switch (kind) {
            case "stitching" -> {
                int h = ConformanceJson.intField(file, "image_height");
                int w = ConformanceJson.intField(file, "image_width");
                double[] image = ConformanceJson.image(file.get("image"), h, w);
                for (JsonNode c : file.get("cases")) {
                    out.add(guard(c, () -> stitchCase(c, image, h, w)));
                }
            }
            case "gaussian_importance_map", "gaussian" -> {
                for (JsonNode c : file.get("cases")) {
                    out.add(guard(c, () -> gaussianCase(c)));
                }
                JsonNode large = file.get("large_summaries");
                if (large != null) {
                    for (JsonNode c : large) {
                        CaseResult r = guard(c, () -> gaussianSummary(c));
                        out.add(new CaseResult("large_summaries/" + r.caseId(), r.passed(), r.maxDifference(), r.detail()));
                    }
                }
            }
            case "pdf_sampling" -> {
                for (JsonNode c : file.get("cases")) {
                    out.add(guard(c, () -> samplingCase(c)));
                }
            }
            default -> out.add(CaseResult.fail("(file)", Double.NaN, "kind '" + kind + "' is not handled here"));
        }
        return out;
    }

    private interface CaseRun {
        CaseResult run() throws Exception;
    }

    private static CaseResult guard(JsonNode c, CaseRun r) {
        try {
            return r.run();
        } catch (Exception | AssertionError e) {
            return CaseResult.fail(ConformanceJson.id(c), Double.NaN, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Runs one stitch.json case through the engine; returns the stitched image, row-major. */
    public static double[] stitch(double[] image, int h, int w, int tile, int stride, int expand, Weighting weighting)
            throws java.io.IOException {
        SlidingWindow sw = SlidingWindow.builder(tile).stride(stride).expand(expand).weighting(weighting)
                .precision(SlidingWindow.Precision.DOUBLE).batchSize(3).readerThreads(1).build();
        FloatImageSink sink = new FloatImageSink();
        sw.run(Rasters.of(image, w, h, 1), new BoxBlurPredictor(), sink);
        return sink.values();
    }

    private static CaseResult stitchCase(JsonNode c, double[] image, int h, int w) throws Exception {
        String id = ConformanceJson.id(c);
        int t = ConformanceJson.intField(c, "tile");
        int s = ConformanceJson.intField(c, "stride");
        int e = ConformanceJson.intField(c, "expand");
        String weighting = c.get("weighting").asText();
        Weighting wt = switch (weighting) {
            case "mean" -> Weighting.mean();
            case "gaussian" -> Weighting.gaussian(ConformanceJson.number(c.get("sigma_scale")));
            default -> throw new IllegalArgumentException("unknown weighting '" + weighting + "'");
        };
        long[] sy = TileGrid.starts(h, t, s);
        long[] sx = TileGrid.starts(w, t, s);
        if (!Arrays.equals(sy, longs(c.get("tile_starts_y"))) || !Arrays.equals(sx, longs(c.get("tile_starts_x")))) {
            return CaseResult.fail(id, Double.NaN, "tile starts differ: y " + Arrays.toString(sy) + ", x " + Arrays.toString(sx));
        }
        double[] expected = ConformanceJson.image(c.get("output"), h, w);
        double[] got = stitch(image, h, w, t, s, e, wt);
        return CaseResult.within(id, maxAbs(got, expected), STITCH_TOLERANCE);
    }

    private static long[] longs(JsonNode a) {
        long[] v = new long[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asLong();
        }
        return v;
    }

    private static double maxAbs(double[] a, double[] b) {
        double m = 0;
        for (int k = 0; k < a.length; k++) {
            double d = Math.abs(a[k] - b[k]);
            if (!(d <= m)) {
                m = Double.isNaN(d) ? Double.NaN : d;
                if (Double.isNaN(m)) {
                    return m;
                }
            }
        }
        return m;
    }

    private static CaseResult gaussianCase(JsonNode c) {
        String id = ConformanceJson.id(c);
        int h = ConformanceJson.intField(c, "height");
        int w = ConformanceJson.intField(c, "width");
        double s = ConformanceJson.number(c.get("sigma_scale"));
        double[] got = ImportanceMaps.gaussian(h, w, s);
        double[] expected = ConformanceJson.image(c.get("values"), h, w);
        if (c.has("truncated_pixels_replaced_by_min")) {
            double[] gy = ImportanceMaps.gaussianFactor(h, s);
            double[] gx = ImportanceMaps.gaussianFactor(w, s);
            long zeros = 0;
            for (double a : gy) {
                for (double b : gx) {
                    zeros += a * b == 0 ? 1 : 0;
                }
            }
            long want = c.get("truncated_pixels_replaced_by_min").asLong();
            if (zeros != want) {
                return CaseResult.fail(id, Double.NaN, "truncated pixels " + zeros + ", expected " + want);
            }
        }
        return CaseResult.within(id, maxAbs(got, expected), GAUSSIAN_TOLERANCE);
    }

    /** numpy's pairwise summation (blocks of 8 unrolled below 128 values), for sums comparable to the reference. */
    static double pairwiseSum(double[] a, int from, int n) {
        if (n < 8) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += a[from + i];
            }
            return s;
        }
        if (n <= 128) {
            double[] r = new double[8];
            for (int j = 0; j < 8; j++) {
                r[j] = a[from + j];
            }
            int i;
            for (i = 8; i < n - (n % 8); i += 8) {
                for (int j = 0; j < 8; j++) {
                    r[j] += a[from + i + j];
                }
            }
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        int n2 = (n / 2) - ((n / 2) % 8);
        return pairwiseSum(a, from, n2) + pairwiseSum(a, from + n2, n - n2);
    }

    private static CaseResult gaussianSummary(JsonNode c) {
        String id = ConformanceJson.id(c);
        int h = ConformanceJson.intField(c, "height");
        int w = ConformanceJson.intField(c, "width");
        double s = ConformanceJson.number(c.get("sigma_scale"));
        double[] g = ImportanceMaps.gaussian(h, w, s);
        double max = 0;
        double min = Double.POSITIVE_INFINITY;
        for (double v : g) {
            max = Math.max(max, v);
            min = Math.min(min, v);
        }
        double worst = Math.max(Math.abs(max - ConformanceJson.number(c.get("max"))),
                Math.abs(min - ConformanceJson.number(c.get("min"))));
        for (JsonNode p : c.get("points")) {
            int y = p.get(0).asInt();
            int x = p.get(1).asInt();
            worst = Math.max(worst, Math.abs(g[y * w + x] - ConformanceJson.number(p.get(2))));
        }
        double sumExpected = ConformanceJson.number(c.get("sum"));
        double sum = pairwiseSum(g, 0, g.length);
        double sumRel = Math.abs(sum - sumExpected) / Math.abs(sumExpected);
        if (sumRel > 1e-12) {
            return CaseResult.fail(id, sumRel, "sum " + sum + " differs from " + sumExpected + " by rel " + sumRel);
        }
        return CaseResult.within(id, worst, GAUSSIAN_TOLERANCE);
    }

    private static final String[] SETS = {"foreground", "cortex_not_fg", "medulla_not_fg", "other_not_fg"};

    private static CaseResult samplingCase(JsonNode c) {
        String id = ConformanceJson.id(c);
        int h = ConformanceJson.intField(c, "height");
        int w = ConformanceJson.intField(c, "width");
        byte[] mask = ConformanceJson.mask(c.get("mask"), h, w);
        byte[] regions = ConformanceJson.mask(c.get("regions"), h, w);
        JsonNode rw = c.get("region_weights");
        double[] weights = {ConformanceJson.number(rw.get("other")), ConformanceJson.number(rw.get("cortex")),
            ConformanceJson.number(rw.get("medulla"))};
        PdfSampler sampler = new PdfSampler(mask, regions, w, h, ConformanceJson.number(c.get("fg_weight")), weights, 1);
        double[] map = sampler.weightMap();
        double[] expectedMap = ConformanceJson.image(c.get("expected_weight_map"), h, w);
        if (!Arrays.equals(map, expectedMap)) {
            return CaseResult.fail(id, maxAbs(map, expectedMap), "weight map is not exact");
        }
        double worst = 0;
        double total = ConformanceJson.number(c.get("expected_total_weight"));
        double totalRel = Math.abs(sampler.totalWeight() - total) / total;
        if (totalRel > 1e-12) {
            return CaseResult.fail(id, totalRel, "total weight " + sampler.totalWeight() + ", expected " + total);
        }
        double[] mass = new double[4];
        for (int k = 0; k < h * w; k++) {
            mass[set(mask[k], regions[k])] += map[k];
        }
        JsonNode em = c.get("expected_mass");
        for (int s = 0; s < 4; s++) {
            double d = Math.abs(mass[s] / sampler.totalWeight() - ConformanceJson.number(em.get(SETS[s])));
            if (d > 1e-12) {
                return CaseResult.fail(id, d, "mass of " + SETS[s] + " differs by " + d);
            }
            worst = Math.max(worst, d);
        }
        JsonNode check = c.get("statistical_check");
        int n = check.get("n_samples").asInt();
        long[] counts = new long[4];
        SplittableRandom rng = new SplittableRandom(0x5EEDL ^ id.hashCode());
        for (int i = 0; i < n; i++) {
            int cell = sampler.drawCell(rng);
            if (map[cell] == 0) {
                return CaseResult.fail(id, Double.NaN, "drew the zero-weight pixel " + cell);
            }
            counts[set(mask[cell], regions[cell])]++;
        }
        JsonNode tol = check.get("tolerance");
        for (int s = 0; s < 4; s++) {
            double f = (double) counts[s] / n;
            double d = Math.abs(f - ConformanceJson.number(em.get(SETS[s])));
            double t = ConformanceJson.number(tol.get(SETS[s]));
            if (d > t) {
                return CaseResult.fail(id, d, "sampled fraction of " + SETS[s] + " " + f + " is off by " + d
                        + " > tolerance " + t);
            }
        }
        return CaseResult.pass(id, worst);
    }

    private static int set(byte fg, byte region) {
        if (fg != 0) {
            return 0;
        }
        return switch (region) {
            case 1 -> 1;
            case 2 -> 2;
            default -> 3;
        };
    }
}
