package io.github.hubmapseg.core.metrics;

import io.github.hubmapseg.testkit.RepoFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.hubmapseg.core.conformance.CaseResult;
import io.github.hubmapseg.core.conformance.Conformance;
import io.github.hubmapseg.core.conformance.ConformanceJson;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Dice: every case of conformance/dice.json, plus properties on random masks. */
class DiceTest {

    private static final double TOL = 1e-15;

    static Path file() {
        return RepoFiles.conformance("dice.json");
    }

    private static JsonNode root() throws IOException {
        return new ObjectMapper().readTree(file().toFile());
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : root().get("cases")) {
            out.add(Arguments.of(ConformanceJson.id(c), c));
        }
        return out.stream();
    }

    static Stream<Arguments> groups() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : root().get("mean_dice_groups")) {
            out.add(Arguments.of(ConformanceJson.id(c), c));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void countsAndDiceMatchOnMasksRunsAndStrings(String id, JsonNode c) {
        int h = c.get("height").asInt();
        int w = c.get("width").asInt();
        byte[] pred = ConformanceJson.mask(c.get("pred"), h, w);
        byte[] truth = ConformanceJson.mask(c.get("truth"), h, w);
        DiceCounts expected = new DiceCounts(c.get("intersection").asLong(), c.get("pred_sum").asLong(),
                c.get("truth_sum").asLong());
        double dice = ConformanceJson.number(c.get("dice"));

        assertThat(Dice.counts(pred, truth)).isEqualTo(expected);
        assertThat(Dice.counts(Rle.runs(pred, h, w), Rle.runs(truth, h, w))).isEqualTo(expected);
        assertThat(Dice.dice(pred, truth)).isCloseTo(dice, within(TOL));
        assertThat(Dice.dice(Rle.encode(pred, h, w), Rle.encode(truth, h, w), h, w)).isCloseTo(dice, within(TOL));
    }

    @ParameterizedTest(name = "mean_dice_groups/{0}")
    @MethodSource("groups")
    void meanOverGroupsMatches(String id, JsonNode g) throws IOException {
        Map<String, JsonNode> byId = new HashMap<>();
        for (JsonNode c : root().get("cases")) {
            byId.put(ConformanceJson.id(c), c);
        }
        List<DiceCounts> counts = new ArrayList<>();
        for (JsonNode cid : g.get("case_ids")) {
            JsonNode c = byId.get(cid.asText());
            int h = c.get("height").asInt();
            int w = c.get("width").asInt();
            counts.add(Dice.counts(ConformanceJson.mask(c.get("pred"), h, w), ConformanceJson.mask(c.get("truth"), h, w)));
        }
        assertThat(Dice.meanOf(counts)).isCloseTo(ConformanceJson.number(g.get("mean_dice")), within(TOL));
    }

    @Test
    void conformanceRunnerPassesWithGroupIds() throws IOException {
        Conformance.FileReport report = Conformance.run(file());
        assertThat(report.kind()).isEqualTo("dice");
        assertThat(report.results()).allSatisfy(r -> assertThat(r.passed()).as(r.caseId() + " " + r.detail()).isTrue());
        assertThat(report.results()).extracting(CaseResult::caseId).contains("both_empty", "mean_dice_groups/all_cases");
    }

    @Test
    void emptyConventions() {
        byte[] empty = new byte[12];
        byte[] one = new byte[12];
        one[5] = 1;
        assertThat(Dice.dice(empty, empty)).isEqualTo(1.0);
        assertThat(Dice.dice(empty, one)).isEqualTo(0.0);
        assertThat(Dice.dice(one, empty)).isEqualTo(0.0);
        assertThat(Dice.dice("", "", 3, 4)).isEqualTo(1.0);
        assertThat(Dice.dice("", "6 1", 3, 4)).isEqualTo(0.0);
        assertThat(Dice.dice("1 4", "3 4", 3, 4)).isEqualTo(2.0 * 2 / 8);
    }

    @Test
    void rleDiceEqualsMaskDiceOnRandomMasks() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int t = 0; t < 300; t++) {
            int h = 1 + rnd.nextInt(70);
            int w = 1 + rnd.nextInt(rnd.nextBoolean() ? 9 : 200);
            byte[] a = random(rnd, h, w);
            byte[] b = rnd.nextInt(5) == 0 ? a.clone() : random(rnd, h, w);
            // reference counts straight from the definition
            long i = 0;
            long pa = 0;
            long pb = 0;
            for (int k = 0; k < a.length; k++) {
                i += a[k] != 0 && b[k] != 0 ? 1 : 0;
                pa += a[k] != 0 ? 1 : 0;
                pb += b[k] != 0 ? 1 : 0;
            }
            DiceCounts ref = new DiceCounts(i, pa, pb);
            RleRuns ra = Rle.runs(a, h, w);
            RleRuns rb = Rle.runs(b, h, w);
            assertThat(Dice.counts(a, b)).isEqualTo(ref);
            assertThat(Dice.counts(a, b, 1 + rnd.nextInt(4))).isEqualTo(ref);
            assertThat(Dice.counts(ra, rb)).isEqualTo(ref);
            assertThat(Dice.dice(ra, rb)).isEqualTo(Dice.dice(a, b)).isEqualTo(ref.dice());
        }
    }

    private static byte[] random(SplittableRandom rnd, int h, int w) {
        byte[] m = new byte[h * w];
        double p = rnd.nextInt(4) == 0 ? 0 : rnd.nextDouble();
        int block = 1 + rnd.nextInt(20);
        for (int i = 0; i < m.length; i += block) {
            byte v = rnd.nextDouble() < p ? (byte) (1 + rnd.nextInt(255)) : 0;
            for (int k = i; k < Math.min(m.length, i + block); k++) {
                m[k] = v;
            }
        }
        return m;
    }

    @Test
    void meanIsTheArithmeticMeanAndRejectsAnEmptySet() {
        assertThat(Dice.mean(1.0, 0.0, 0.5)).isEqualTo(0.5);
        assertThat(Dice.mean(0.25, 0.5, 0.75, 1.0)).isEqualTo(0.625);
        assertThat(Dice.mean(0.1, 0.2, 0.3)).isCloseTo((0.1 + 0.2 + 0.3) / 3, within(1e-16));
        assertThatThrownBy(Dice::mean).hasMessageContaining("at least one image");
    }

    @Test
    void rejectsMismatchedInputs() {
        assertThatThrownBy(() -> Dice.counts(new byte[3], new byte[4])).hasMessageContaining("got 3 and 4");
        assertThatThrownBy(() -> Dice.counts(RleRuns.empty(2, 3), RleRuns.empty(3, 2)))
                .hasMessageContaining("2x3 and 3x2");
        assertThatThrownBy(() -> new DiceCounts(3, 2, 5)).hasMessageContaining("intersection 3");
    }
}
