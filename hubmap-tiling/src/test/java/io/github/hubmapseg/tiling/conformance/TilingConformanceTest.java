package io.github.hubmapseg.tiling.conformance;

import io.github.hubmapseg.testkit.RepoFiles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.hubmapseg.core.conformance.CaseResult;
import io.github.hubmapseg.core.conformance.Conformance;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every case of stitch.json, gaussian.json and sampling.json at its stated tolerance, one test per case. */
class TilingConformanceTest {

    static Path dir() {
        return RepoFiles.conformanceDir();
    }

    private static Stream<DynamicTest> cases(String file, int expectedCases) throws Exception {
        JsonNode root = Conformance.read(dir().resolve(file));
        List<CaseResult> results = new TilingConformance().run(root);
        assertThat(results).hasSize(expectedCases);
        return results.stream().map(r -> DynamicTest.dynamicTest(file + " " + r.caseId(),
                () -> assertThat(r.passed()).as(r.caseId() + ": " + r.detail() + " (max diff " + r.maxDifference() + ")")
                        .isTrue()));
    }

    @TestFactory
    Stream<DynamicTest> stitching() throws Exception {
        JsonNode root = Conformance.read(dir().resolve("stitch.json"));
        return cases("stitch.json", root.get("cases").size());
    }

    @TestFactory
    Stream<DynamicTest> gaussian() throws Exception {
        JsonNode root = Conformance.read(dir().resolve("gaussian.json"));
        return cases("gaussian.json", root.get("cases").size() + root.get("large_summaries").size());
    }

    @TestFactory
    Stream<DynamicTest> sampling() throws Exception {
        JsonNode root = Conformance.read(dir().resolve("sampling.json"));
        return cases("sampling.json", root.get("cases").size());
    }

    @Test
    void serviceLoaderFindsTheKinds() {
        assertThat(Conformance.knownKinds()).contains("stitching", "gaussian_importance_map", "pdf_sampling");
    }

    @Test
    void runnerPassesEveryFileThroughTheServiceLoader() throws Exception {
        for (String f : List.of("stitch.json", "gaussian.json", "sampling.json")) {
            Conformance.FileReport rep = Conformance.run(dir().resolve(f));
            assertThat(rep.failed()).as(f + " " + rep.results()).isZero();
        }
    }
}
