package io.github.hubmapseg.core.metrics;

import io.github.hubmapseg.core.rle.RleRuns;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The scores of a set of test images: Dice per image, the mean with a 95 % bootstrap interval over images, the
 * pooled Dice with a 95 % interval over glomeruli ({@code Detection#units}), and per-glomerulus detection at
 * IoU 0.5 with the false positives on look-alikes.
 *
 * @param dice        Dice per image, in input order
 * @param overImages  mean Dice, interval over images
 * @param overGlomeruli pooled Dice, interval over glomeruli
 * @param detection   summed detection counts
 */
public record TestScores(Map<String, Double> dice, Bootstrap.Interval overImages, Bootstrap.Interval overGlomeruli,
                         Detection.Counts detection) {

    /** IoU threshold of the detection figures. */
    public static final double IOU = 0.5;
    /** Interval level. */
    public static final double LEVEL = 0.95;
    /** Bootstrap seed (fixed: the intervals of a report are reproducible). */
    public static final long SEED = 20210510L;

    /**
     * Scores predictions.
     *
     * @param pred       prediction per image id
     * @param truth      truth per image id (every id of {@code pred} must be here)
     * @param lookalikes per image id, named hard-negative masks (missing ids: none)
     */
    public static TestScores of(Map<String, RleRuns> pred, Map<String, RleRuns> truth,
                                Map<String, Map<String, RleRuns>> lookalikes) {
        if (pred.isEmpty()) {
            throw new IllegalArgumentException("no images to score");
        }
        Map<String, Double> dice = new LinkedHashMap<>();
        List<long[]> units = new ArrayList<>();
        List<Detection.Counts> det = new ArrayList<>();
        for (Map.Entry<String, RleRuns> e : pred.entrySet()) {
            RleRuns t = truth.get(e.getKey());
            if (t == null) {
                throw new IllegalArgumentException("no truth for image '" + e.getKey() + "'");
            }
            dice.put(e.getKey(), Dice.dice(e.getValue(), t));
            units.addAll(Detection.units(t, e.getValue()));
            det.add(Detection.match(t, e.getValue(), IOU, lookalikes.getOrDefault(e.getKey(), Map.of())));
        }
        double[] d = dice.values().stream().mapToDouble(Double::doubleValue).toArray();
        Bootstrap.Interval images = Bootstrap.mean(d, LEVEL, Bootstrap.RESAMPLES, SEED);
        Bootstrap.Interval gloms = units.isEmpty() ? new Bootstrap.Interval(1, 1, 1, 0)
                : Bootstrap.pooledDice(units, LEVEL, Bootstrap.RESAMPLES, SEED);
        return new TestScores(dice, images, gloms, Detection.Counts.sum(det));
    }

    /** @return the report lines: mean with interval, pooled with interval, detection */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "mean test Dice: %.4f, 95%% interval over %d slides [%.4f, %.4f]%n",
                overImages.estimate(), overImages.n(), overImages.low(), overImages.high()));
        sb.append(String.format(Locale.ROOT, "pooled test Dice: %.4f, 95%% interval over %d glomeruli [%.4f, %.4f]%n",
                overGlomeruli.estimate(), overGlomeruli.n(), overGlomeruli.low(), overGlomeruli.high()));
        Detection.Counts c = detection;
        sb.append(String.format(Locale.ROOT, "detection at IoU %.1f: recall %.3f (%d of %d glomeruli), precision %.3f "
                + "(%d of %d predicted objects)%n", IOU, c.recall(), c.matched(), c.truth(), c.precision(), c.matched(),
                c.predicted()));
        if (!c.falsePositivesOn().isEmpty()) {
            sb.append("false positives on look-alikes:");
            c.falsePositivesOn().forEach((k, v) -> sb.append(' ').append(k).append(' ').append(v));
            sb.append(String.format(Locale.ROOT, " (of %d unmatched predictions)%n", c.predicted() - c.matched()));
        }
        return sb.toString();
    }
}
