package io.github.hubmapseg.core.rle;

import io.github.hubmapseg.testkit.RepoFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.hubmapseg.core.conformance.CaseResult;
import io.github.hubmapseg.core.conformance.Conformance;
import io.github.hubmapseg.core.conformance.ConformanceJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every case of conformance/rle.json, asserted one by one. */
class RleGoldenTest {

    static Path conformanceDir() {
        return RepoFiles.conformanceDir();
    }

    static Path file() {
        return conformanceDir().resolve("rle.json");
    }

    private static Stream<Arguments> section(String name) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file().toFile());
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : root.get(name)) {
            out.add(Arguments.of(ConformanceJson.id(c), c));
        }
        assertThat(out).as("section " + name).isNotEmpty();
        return out.stream();
    }

    static Stream<Arguments> cases() throws IOException {
        return section("cases");
    }

    static Stream<Arguments> decodeOnly() throws IOException {
        return section("decode_only");
    }

    static Stream<Arguments> invalid() throws IOException {
        return section("invalid");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void encodesAndDecodesExactly(String id, JsonNode c) {
        int h = c.get("height").asInt();
        int w = c.get("width").asInt();
        byte[] mask = ConformanceJson.mask(c.get("mask"), h, w);
        String rle = c.get("rle").asText();

        assertThat(Rle.encode(mask, h, w)).isEqualTo(rle);
        assertThat(Rle.decode(rle, h, w)).isEqualTo(mask);
        assertThat(Rle.parse(rle, h, w)).isEqualTo(Rle.runs(mask, h, w));
        assertThat(Rle.parse(rle, h, w).toRle()).isEqualTo(rle);
        // one row at a time, and in two uneven bands
        RleEncoder rows = Rle.encoder(h, w);
        for (int y = 0; y < h; y++) {
            rows.addRows(mask, y * w, 1);
        }
        assertThat(rows.finish().toRle()).isEqualTo(rle);
        int cut = h / 3;
        assertThat(Rle.encoder(h, w).addRows(mask, 0, cut).addRows(mask, cut * w, h - cut).finish().toRle())
                .isEqualTo(rle);
    }

    @ParameterizedTest(name = "decode_only/{0}")
    @MethodSource("decodeOnly")
    void decodesNonCanonicalToTheUnion(String id, JsonNode c) {
        int h = c.get("height").asInt();
        int w = c.get("width").asInt();
        byte[] mask = ConformanceJson.mask(c.get("mask"), h, w);
        String rle = c.get("rle").asText();
        String canonical = c.get("canonical_rle").asText();

        assertThat(Rle.decode(rle, h, w)).isEqualTo(mask);
        assertThat(Rle.parse(rle, h, w).toRle()).isEqualTo(canonical);
        assertThat(Rle.encode(Rle.decode(rle, h, w), h, w)).isEqualTo(canonical);
    }

    /** The token each known invalid case must name in its message. */
    private static final Map<String, String> OFFENDING = Map.of(
            "odd_token_count", "#3 '5'",
            "start_zero", "#1 '0'",
            "length_zero", "#2 '0'",
            "run_past_end", "#2 '3'",
            "start_past_end", "#1 '13'",
            "negative_length", "#2 '-1'",
            "non_integer", "#2 '2.5'",
            "letters", "#1 'a'");

    @ParameterizedTest(name = "invalid/{0}")
    @MethodSource("invalid")
    void rejectsInvalidWithTheOffendingToken(String id, JsonNode c) {
        int h = c.get("height").asInt();
        int w = c.get("width").asInt();
        String rle = c.get("rle").asText();
        var thrown = assertThatThrownBy(() -> Rle.decode(rle, h, w)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RLE");
        if (OFFENDING.containsKey(id)) {
            thrown.hasMessageContaining("token " + OFFENDING.get(id));
        }
        assertThatThrownBy(() -> Rle.parse(rle, h, w)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void conformanceRunnerPassesEveryCaseWithSectionIds() throws IOException {
        Conformance.FileReport report = Conformance.run(file());
        assertThat(report.kind()).isEqualTo("rle");
        assertThat(report.results()).allSatisfy(r -> assertThat(r.passed()).as(r.caseId() + " " + r.detail()).isTrue());
        assertThat(report.results()).extracting(CaseResult::caseId)
                .contains("empty_5x7", "decode_only/unsorted_runs", "invalid/start_zero");
        JsonNode root = new ObjectMapper().readTree(file().toFile());
        assertThat(report.results()).hasSize(root.get("cases").size() + root.get("decode_only").size()
                + root.get("invalid").size());
    }

    @Test
    void conformanceCheckFailsAWrongExpectation() throws IOException {
        JsonNode root = new ObjectMapper().readTree(
                "{\"kind\":\"rle\",\"cases\":[{\"id\":\"x\",\"height\":2,\"width\":2,\"mask\":[\"10\",\"00\"],"
                        + "\"rle\":\"1 2\"}],\"invalid\":[{\"id\":\"ok\",\"height\":2,\"width\":2,\"rle\":\"1 1\"}]}");
        List<CaseResult> r = new RleConformanceCheck().run(root);
        assertThat(r).extracting(CaseResult::passed).containsExactly(false, false);
        assertThat(r.get(1).caseId()).isEqualTo("invalid/ok");
    }
}
