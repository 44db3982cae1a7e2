package io.github.hubmapseg.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.cohort.Cohort;
import io.github.hubmapseg.pipeline.cohort.CohortAssembly;
import io.github.hubmapseg.pipeline.cohort.CohortRuns;
import io.github.hubmapseg.pipeline.cohort.Cohorts;
import io.github.hubmapseg.pipeline.cohort.Shard;
import io.github.hubmapseg.pipeline.cohort.SlideUnits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code local[2]}: the Spark engine's submission is byte-identical to the single-JVM engine's. */
class SparkCohortsLocalTest {
    static final DarkPixels.Source SOURCE = new DarkPixels.Source(170f, 0);

    @TempDir
    static Path tmp;
    static Cohort cohort;
    static byte[] single;

    @BeforeAll
    static void cohortAndSingleJvmRun() throws Exception {
        Path data = tmp.resolve("data");
        SyntheticDataset.builder(data).slides(7).testSlides(6).size(320, 256).patients(2).seed(11).threads(1)
                .build().write(null);
        cohort = Cohorts.open(data, null);
        Path out = tmp.resolve("single");
        try (var p = SOURCE.load()) {
            CohortRuns.predict(p, cohort, Shard.ALL, out, null, null);
        }
        single = Files.readAllBytes(out.resolve(CohortAssembly.SUBMISSION));
    }

    @Test
    void local2EqualsTheSingleJvmEngineAndResumes() throws Exception {
        assertThat(cohort.slides()).hasSize(6);
        String text = new String(single, java.nio.charset.StandardCharsets.UTF_8);
        assertThat(text.lines().skip(1).filter(l -> !l.endsWith(",")).count())
                .as("the trivial predictor finds dark pixels on every slide").isEqualTo(6);

        Path out = tmp.resolve("local2");
        List<String> log = new ArrayList<>();
        SparkCohortRun run = SparkCohorts.predict(new SparkSettings("local[2]", Map.of()), SOURCE, cohort, out,
                log::add);
        assertThat(Files.readAllBytes(out.resolve(CohortAssembly.SUBMISSION))).isEqualTo(single);
        assertThat(run.master()).isEqualTo("local[2]");
        assertThat(run.predicted()).isEqualTo(6);
        assertThat(run.skipped()).isZero();
        assertThat(run.report().units()).hasSize(6);
        assertThat(run.executors()).as("local mode: the driver's JVM runs the tasks")
                .containsExactly(SparkCohorts.executor());
        assertThat(run.loads()).as("the ensemble is loaded at most once per task slot (2), not per slide")
                .isLessThanOrEqualTo(2);
        assertThat(log).anyMatch(l -> l.matches("spark: slide \\S+ done on executor driver after .* 6/6 slides"));

        // resume: nothing left to do, no Spark job, same bytes
        SparkCohortRun again = SparkCohorts.predict(new SparkSettings("local[2]", Map.of()), SOURCE, cohort, out, null);
        assertThat(again.skipped()).isEqualTo(6);
        assertThat(again.outcomes()).isEmpty();
        assertThat(Files.readAllBytes(out.resolve(CohortAssembly.SUBMISSION))).isEqualTo(single);

        // a damaged unit (a row cut short) is redone, the others are kept
        String id = cohort.ids().get(2);
        Path mask = SlideUnits.dir(out, id).resolve(SlideUnits.MASK);
        Files.writeString(mask, "1 2");
        SparkCohortRun repair = SparkCohorts.predict(new SparkSettings("local[2]", Map.of()), SOURCE, cohort, out,
                null);
        assertThat(repair.skipped()).isEqualTo(5);
        assertThat(repair.outcomes()).extracting(SlideOutcome::id).containsExactly(id);
        assertThat(Files.readAllBytes(out.resolve(CohortAssembly.SUBMISSION))).isEqualTo(single);
    }

    @Test
    void aRetriedTaskFindsTheUnitDoneAndLeavesItAlone() throws Exception {
        Path out = tmp.resolve("retry");
        SparkCohorts.predict(new SparkSettings("local[1]", Map.of()), SOURCE, cohort, out, null);
        String id = cohort.ids().get(0);
        Path record = SlideUnits.dir(out, id).resolve(SlideUnits.RECORD);
        byte[] before = Files.readAllBytes(record);
        String digest;
        try (var p = SOURCE.load()) {
            digest = p.digest();
        }
        // the task body run again for a finished slide, as a speculative twin or a retry would
        SlideOutcome o = new SparkCohorts.PredictSlide(SOURCE, out.toString(), digest)
                .call(new SparkCohorts.SlideTask(cohort.slides().get(0), null));
        assertThat(o.predicted()).isFalse();
        assertThat(Files.readAllBytes(record)).isEqualTo(before);
    }

    @Test
    void aBrokenSlideFailsTheJobInOneLineNamingIt() throws Exception {
        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad);
        Files.write(bad.resolve("broken.tiff"), new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0});
        Cohort c = Cohorts.open(bad, null);
        List<String> log = new ArrayList<>();
        assertThatThrownBy(() -> SparkCohorts.predict(new SparkSettings("local[1]", Map.of()), SOURCE, c,
                tmp.resolve("bad-out"), log::add))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("spark job failed: ")
                .hasMessageContaining("broken.tiff")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\tat "));
        assertThat(log).anyMatch(l -> l.startsWith("spark: slide broken failed on executor driver (attempt 1): "
                + "java.io.IOException: ") && l.contains("broken.tiff") && !l.contains("\n"));
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> new SparkSettings("spork://x", Map.of()))
                .hasMessageContaining("'spork://x'");
        assertThatThrownBy(() -> new SparkSettings(null, Map.of("executor.memory", "1g")))
                .hasMessageContaining("'executor.memory'");
        assertThatThrownBy(() -> SparkSettings.parseSetting("spark.executor.memory"))
                .hasMessageContaining("KEY=VALUE");
        var local = SparkCohorts.conf(new SparkSettings(null, Map.of("spark.ui.enabled", "true")));
        assertThat(local.get("spark.master")).isEqualTo("local[*]");
        assertThat(local.get("spark.driver.bindAddress")).isEqualTo("127.0.0.1");
        assertThat(local.get("spark.ui.enabled")).as("the user's setting wins").isEqualTo("true");
        var cluster = SparkCohorts.conf(new SparkSettings("spark://127.0.0.1:7077", Map.of()));
        assertThat(cluster.contains("spark.driver.bindAddress")).isFalse();
        assertThat(cluster.get("spark.executor.extraClassPath")).contains("hubmap-pipeline");
        assertThat(cluster.get("spark.executor.extraJavaOptions")).isEqualTo("--add-modules=jdk.incubator.vector");
    }
}
