package io.github.hubmapseg.core.metrics;

import io.github.hubmapseg.core.rle.RleRuns;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-glomerulus detection: the connected components of a prediction matched one-to-one to those of the truth
 * at an IoU threshold (greedy, highest IoU first; ties by truth then prediction number), which the pixel Dice
 * hides. Also gives the units of the glomerulus bootstrap ({@link #units}).
 */
final class Detection {

    /** Fraction of a false-positive component's pixels that must lie on a look-alike for it to count there. */
    public static final double ON_LOOKALIKE = 0.3;

    private Detection() {
    }

    /**
     * Detection counts of one image.
     *
     * @param truth            truth components
     * @param predicted        predicted components
     * @param matched          pairs with IoU at or above the threshold (true positives)
     * @param falsePositivesOn per look-alike name, unmatched predicted components with at least
     *                         {@link #ON_LOOKALIKE} of their pixels on it
     */
    public record Counts(int truth, int predicted, int matched, Map<String, Integer> falsePositivesOn) {
        /** @return matched / truth (1 when there is no truth) */
        public double recall() {
            return truth == 0 ? 1 : matched / (double) truth;
        }

        /** @return matched / predicted (1 when nothing is predicted) */
        public double precision() {
            return predicted == 0 ? 1 : matched / (double) predicted;
        }

        /** @return the sum of several images' counts */
        public static Counts sum(List<Counts> all) {
            int t = 0;
            int p = 0;
            int m = 0;
            Map<String, Integer> fp = new java.util.LinkedHashMap<>();
            for (Counts c : all) {
                t += c.truth;
                p += c.predicted;
                m += c.matched;
                c.falsePositivesOn.forEach((k, v) -> fp.merge(k, v, Integer::sum));
            }
            return new Counts(t, p, m, fp);
        }
    }

    /**
     * Matches the components of {@code pred} to those of {@code truth}.
     *
     * @param iou        IoU threshold, in (0, 1] (0.5 for the usual figure)
     * @param lookalikes named masks of hard negatives (may be empty), same shape
     */
    public static Counts match(RleRuns truth, RleRuns pred, double iou, Map<String, RleRuns> lookalikes) {
        if (!(iou > 0 && iou <= 1)) {
            throw new IllegalArgumentException("IoU threshold must be in (0, 1], got " + iou);
        }
        check(truth, pred);
        Components t = Components.of(truth);
        Components p = Components.of(pred);
        Map<Long, Long> inter = new HashMap<>();
        Components.overlaps(t, p, (a, b, px) -> inter.merge(((long) a << 32) | b, px, Long::sum));
        List<long[]> pairs = new ArrayList<>();
        List<Double> ious = new ArrayList<>();
        for (Map.Entry<Long, Long> e : inter.entrySet()) {
            int a = (int) (e.getKey() >>> 32);
            int b = (int) (long) e.getKey();
            long i = e.getValue();
            double v = i / (double) (t.area(a) + p.area(b) - i);
            if (v >= iou) {
                pairs.add(new long[] {a, b});
                ious.add(v);
            }
        }
        Integer[] order = new Integer[pairs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> {
            int c = Double.compare(ious.get(y), ious.get(x));
            if (c != 0) {
                return c;
            }
            c = Long.compare(pairs.get(x)[0], pairs.get(y)[0]);
            return c != 0 ? c : Long.compare(pairs.get(x)[1], pairs.get(y)[1]);
        });
        boolean[] tUsed = new boolean[t.count()];
        boolean[] pUsed = new boolean[p.count()];
        int matched = 0;
        for (int k : order) {
            int a = (int) pairs.get(k)[0];
            int b = (int) pairs.get(k)[1];
            if (!tUsed[a] && !pUsed[b]) {
                tUsed[a] = true;
                pUsed[b] = true;
                matched++;
            }
        }
        Map<String, Integer> fp = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, RleRuns> e : lookalikes.entrySet()) {
            check(truth, e.getValue());
            Components l = Components.of(e.getValue());
            long[] on = new long[p.count()];
            Components.overlaps(p, l, (a, b, px) -> on[a] += px);
            int n = 0;
            for (int b = 0; b < p.count(); b++) {
                if (!pUsed[b] && on[b] >= ON_LOOKALIKE * p.area(b)) {
                    n++;
                }
            }
            fp.put(e.getKey(), n);
        }
        return new Counts(t.count(), p.count(), matched, fp);
    }

    /**
     * The units of the glomerulus bootstrap: groups of truth and predicted components linked by overlap
     * (connected components of the overlap graph), each with its intersection, predicted and true pixels. The
     * pooled Dice of all units is the image's Dice.
     *
     * @return {@code {intersection, predSum, truthSum}} per unit
     */
    public static List<long[]> units(RleRuns truth, RleRuns pred) {
        check(truth, pred);
        Components t = Components.of(truth);
        Components p = Components.of(pred);
        int nt = t.count();
        int[] parent = new int[nt + p.count()];
        for (int i = 0; i < parent.length; i++) {
            parent[i] = i;
        }
        long[] interOf = new long[parent.length];
        Components.overlaps(t, p, (a, b, px) -> {
            int ra = root(parent, a);
            int rb = root(parent, nt + b);
            if (ra != rb) {
                parent[rb] = ra;
                interOf[ra] += interOf[rb];
            }
            interOf[ra] += px;
        });
        Map<Integer, long[]> byRoot = new java.util.LinkedHashMap<>();
        for (int i = 0; i < parent.length; i++) {
            int r = root(parent, i);
            long[] u = byRoot.computeIfAbsent(r, k -> new long[] {interOf[k], 0, 0});
            if (i < nt) {
                u[2] += t.area(i);
            } else {
                u[1] += p.area(i - nt);
            }
        }
        return new ArrayList<>(byRoot.values());
    }

    private static int root(int[] p, int i) {
        while (p[i] != i) {
            p[i] = p[p[i]];
            i = p[i];
        }
        return i;
    }

    private static void check(RleRuns a, RleRuns b) {
        if (a.height() != b.height() || a.width() != b.width()) {
            throw new IllegalArgumentException("masks must have the same shape, got " + a.height() + "x" + a.width()
                    + " and " + b.height() + "x" + b.width() + " (height x width)");
        }
    }
}
