package io.github.hubmapseg.losses;

import io.github.hubmapseg.testkit.RepoFiles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.hubmapseg.core.conformance.CaseResult;
import io.github.hubmapseg.core.conformance.Conformance;
import io.github.hubmapseg.core.conformance.ConformanceJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every case and every variant of {@code losses.json}, at abs 1e-12 + rel 1e-9, value and gradient. */
class LossesConformanceTest {

    static Path file() {
        return RepoFiles.conformance("losses.json");
    }

    static Stream<Arguments> variants() throws IOException {
        JsonNode root = Conformance.read(file());
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = c.get("results").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.add(Arguments.of(ConformanceJson.id(c), e.getKey(), c, e.getValue()));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("variants")
    void valueAndGradientMatch(String id, String variant, JsonNode c, JsonNode expected) {
        JsonNode sh = c.get("shape");
        BatchShape shape = BatchShape.of(sh.get(0).asInt(), sh.get(1).asInt(), sh.get(2).asInt());
        double[] x = ConformanceJson.tensor3(c.get("logits"), shape.batch(), shape.height(), shape.width());
        double[] y = ConformanceJson.tensor3(c.get("labels"), shape.batch(), shape.height(), shape.width());
        double[] want = ConformanceJson.tensor3(expected.get("grad"), shape.batch(), shape.height(), shape.width());
        double wantValue = ConformanceJson.number(expected.get("value"));
        SegLoss loss = Losses.parse(variant);
        double[] g = new double[shape.size()];
        double v = loss.valueAndGradient(shape, x, y, g);
        assertThat(LossesConformanceCheck.within(v, wantValue)).as("value %s vs %s", v, wantValue).isTrue();
        assertThat(loss.value(shape, x, y)).isEqualTo(v);
        for (int i = 0; i < g.length; i++) {
            assertThat(LossesConformanceCheck.within(g[i], want[i]))
                    .as("grad[%d] %s vs %s", i, g[i], want[i]).isTrue();
        }
    }

    @Test
    void fileHasAllSevenVariantsAndRunnerReportsNoFailure() throws IOException {
        JsonNode root = Conformance.read(file());
        assertThat(root.get("cases").size()).isGreaterThanOrEqualTo(27);
        List<String> names = new ArrayList<>();
        root.get("cases").get(0).get("results").fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("bce_with_logits", "soft_dice_batch", "soft_dice_per_image",
                "lovasz_hinge_per_image", "lovasz_hinge_batch", "focal_gamma2", "focal_gamma2_alpha0.25");
        Conformance.FileReport report = Conformance.run(file());
        assertThat(report.kind()).isEqualTo("losses");
        assertThat(report.results()).hasSize(root.get("cases").size() * 7);
        assertThat(report.results()).allMatch(CaseResult::passed);
    }
}
