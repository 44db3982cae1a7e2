package io.github.hubmapseg.losses;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.hubmapseg.core.conformance.CaseResult;
import io.github.hubmapseg.core.conformance.ConformanceCheck;
import io.github.hubmapseg.core.conformance.ConformanceJson;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Conformance check of kind {@code losses} ({@code conformance/losses.json}): for every case and every
 * loss variant in its {@code results}, the value and the gradient with respect to the logits, computed in
 * double, must match within {@code abs 1e-12 + rel 1e-9} (per number: {@code |got - want| <= 1e-12 + 1e-9 |want|}).
 * Variant names are read with {@link Losses#parse(String)}. One result per case and variant, id
 * {@code case/variant}; the reported difference is the largest absolute one.
 */
public final class LossesConformanceCheck implements ConformanceCheck {

    /** Absolute tolerance. */
    public static final double ABS_TOL = 1e-12;
    /** Relative tolerance. */
    public static final double REL_TOL = 1e-9;

    /** Public no-argument constructor for the {@link java.util.ServiceLoader}. */
    public LossesConformanceCheck() {
    }

    @Override
    public Set<String> kinds() {
        return Set.of("losses");
    }

    @Override
    public List<CaseResult> run(JsonNode file) {
        List<CaseResult> out = new ArrayList<>();
        JsonNode cases = file.get("cases");
        if (cases == null || !cases.isArray()) {
            out.add(CaseResult.fail("(file)", Double.NaN, "no 'cases' array"));
            return out;
        }
        for (JsonNode c : cases) {
            out.addAll(runCase(c));
        }
        return out;
    }

    /** Runs every variant of one case. */
    public static List<CaseResult> runCase(JsonNode c) {
        String id = ConformanceJson.id(c);
        List<CaseResult> out = new ArrayList<>();
        BatchShape shape;
        double[] logits;
        double[] labels;
        try {
            JsonNode sh = c.get("shape");
            shape = BatchShape.of(sh.get(0).asInt(), sh.get(1).asInt(), sh.get(2).asInt());
            logits = ConformanceJson.tensor3(c.get("logits"), shape.batch(), shape.height(), shape.width());
            labels = ConformanceJson.tensor3(c.get("labels"), shape.batch(), shape.height(), shape.width());
        } catch (RuntimeException e) {
            out.add(CaseResult.fail(id, Double.NaN, "cannot read case: " + e.getMessage()));
            return out;
        }
        JsonNode results = c.get("results");
        if (results == null || !results.isObject()) {
            out.add(CaseResult.fail(id, Double.NaN, "case has no 'results' object"));
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = results.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.add(runVariant(id + "/" + e.getKey(), e.getKey(), e.getValue(), shape, logits, labels));
        }
        return out;
    }

    private static CaseResult runVariant(String caseId, String variant, JsonNode expected, BatchShape shape,
                                         double[] logits, double[] labels) {
        try {
            SegLoss loss = Losses.parse(variant);
            double[] grad = new double[shape.size()];
            double value = loss.valueAndGradient(shape, logits, labels, grad);
            double wantValue = ConformanceJson.number(expected.get("value"));
            double[] wantGrad = ConformanceJson.tensor3(expected.get("grad"), shape.batch(), shape.height(),
                    shape.width());
            double maxDiff = Math.abs(value - wantValue);
            String detail = within(value, wantValue) ? "" : "value " + value + " != " + wantValue;
            for (int i = 0; i < grad.length; i++) {
                double d = Math.abs(grad[i] - wantGrad[i]);
                maxDiff = Math.max(maxDiff, d);
                if (detail.isEmpty() && !within(grad[i], wantGrad[i])) {
                    detail = "grad at " + LossInputs.where(shape, i) + " " + grad[i] + " != " + wantGrad[i];
                }
            }
            return detail.isEmpty() ? CaseResult.pass(caseId, maxDiff) : CaseResult.fail(caseId, maxDiff, detail);
        } catch (RuntimeException e) {
            return CaseResult.fail(caseId, Double.NaN, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** {@code |got - want| <= 1e-12 + 1e-9 |want|}. */
    public static boolean within(double got, double want) {
        return Math.abs(got - want) <= ABS_TOL + REL_TOL * Math.abs(want);
    }
}
