package io.github.hubmapseg.core.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.hubmapseg.core.conformance.CaseResult;
import io.github.hubmapseg.core.conformance.ConformanceCheck;
import io.github.hubmapseg.core.conformance.ConformanceJson;
import io.github.hubmapseg.core.rle.Rle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Conformance check for kind {@code dice} ({@code conformance/dice.json}): per case, the exact counts
 * ({@code intersection}, {@code pred_sum}, {@code truth_sum}) from the masks and from their RLE runs, and the
 * Dice within 1e-15; per {@code mean_dice_groups} entry, the mean of the per-image Dice over its
 * {@code case_ids} within 1e-15.
 */
public final class DiceConformanceCheck implements ConformanceCheck {

    /** The file's tolerance for Dice values ("abs 1e-15 (ratio of integers)"). */
    static final double TOLERANCE = 1e-15;

    @Override
    public Set<String> kinds() {
        return Set.of("dice");
    }

    @Override
    public List<CaseResult> run(JsonNode file) {
        List<CaseResult> out = new ArrayList<>();
        Map<String, Double> perCase = new HashMap<>();
        JsonNode cases = file.get("cases");
        if (cases != null) {
            for (JsonNode c : cases) {
                String id = ConformanceJson.id(c);
                try {
                    out.add(diceCase(id, c, perCase));
                } catch (RuntimeException e) {
                    out.add(CaseResult.fail(id, Double.NaN, "threw " + e));
                }
            }
        }
        JsonNode groups = file.get("mean_dice_groups");
        if (groups != null) {
            for (JsonNode g : groups) {
                String id = "mean_dice_groups/" + ConformanceJson.id(g);
                try {
                    JsonNode ids = g.get("case_ids");
                    double[] d = new double[ids.size()];
                    for (int i = 0; i < d.length; i++) {
                        Double v = perCase.get(ids.get(i).asText());
                        if (v == null) {
                            throw new IllegalArgumentException("case id '" + ids.get(i).asText() + "' not in cases");
                        }
                        d[i] = v;
                    }
                    double expected = ConformanceJson.number(g.get("mean_dice"));
                    out.add(CaseResult.within(id, Math.abs(Dice.mean(d) - expected), TOLERANCE));
                } catch (RuntimeException e) {
                    out.add(CaseResult.fail(id, Double.NaN, "threw " + e));
                }
            }
        }
        return out;
    }

    private static CaseResult diceCase(String id, JsonNode c, Map<String, Double> perCase) {
        int h = ConformanceJson.intField(c, "height");
        int w = ConformanceJson.intField(c, "width");
        byte[] pred = ConformanceJson.mask(c.get("pred"), h, w);
        byte[] truth = ConformanceJson.mask(c.get("truth"), h, w);
        DiceCounts expected = new DiceCounts(c.get("intersection").asLong(), c.get("pred_sum").asLong(),
                c.get("truth_sum").asLong());
        DiceCounts fromMasks = Dice.counts(pred, truth);
        DiceCounts fromRuns = Dice.counts(Rle.runs(pred, h, w), Rle.runs(truth, h, w));
        double want = ConformanceJson.number(c.get("dice"));
        double got = fromMasks.dice();
        perCase.put(id, got);
        if (!fromMasks.equals(expected)) {
            return CaseResult.fail(id, Double.NaN, "mask counts " + fromMasks + ", expected " + expected);
        }
        if (!fromRuns.equals(expected)) {
            return CaseResult.fail(id, Double.NaN, "RLE counts " + fromRuns + ", expected " + expected);
        }
        double diff = Math.max(Math.abs(got - want), Math.abs(fromRuns.dice() - want));
        return CaseResult.within(id, diff, TOLERANCE);
    }
}
