package io.github.hubmapseg.cli;

import static io.github.hubmapseg.cli.CliTests.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthCommandTest {

    @TempDir
    Path dir;

    @Test
    void writesASmallFolderAndPrintsProgressAndSummary() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, "synth", "--out", dir.toString(), "--slides", "2", "--size", "600x500", "--seed", "3");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("slide 1/2").contains("slide 2/2").contains("1 train, 1 test slides of 600x500");
        assertThat(dir.resolve("train.csv")).exists();
        assertThat(dir.resolve("test_truth.csv")).exists();
        assertThat(dir.resolve("HuBMAP-20-dataset_information.csv")).exists();
    }

    @Test
    void hardProfileWithAnElementOffWritesTheLookalikes() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, "synth", "--out", dir.toString(), "--slides", "3", "--test-slides", "2", "--size",
                "1400x1200", "--profile", "hard", "--without", "folds,pen-marks", "--seed", "3");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("1 train, 2 test slides of 1400x1200");
        for (String f : new String[] {"lookalikes-sclerotic.csv", "lookalikes-artery.csv",
            "lookalikes-tubule-cluster.csv"}) {
            assertThat(java.nio.file.Files.readAllLines(dir.resolve(f))).hasSize(4);
        }
    }

    @Test
    void badProfileAndElementAreOneClearLine() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "synth", "--out", dir.toString(), "--profile", "medium")).isNotZero();
        assertThat(err.toString()).contains("profile must be easy or hard, got 'medium'").doesNotContain("Exception");
        err = new StringWriter();
        assertThat(run(out, err, "synth", "--out", dir.toString(), "--profile", "hard", "--without", "glitter"))
                .isNotZero();
        assertThat(err.toString()).contains("unknown synthetic element 'glitter'").contains("pen-marks")
                .doesNotContain("Exception");
        err = new StringWriter();
        assertThat(run(out, err, "synth", "--out", dir.toString(), "--without", "dust")).isNotZero();
        assertThat(err.toString()).contains("--without needs --profile hard");
        err = new StringWriter();
        assertThat(run(out, err, "synth", "--out", dir.toString(), "--profile", "hard", "--outlier-sclerotic", "1.5"))
                .isNotZero();
        assertThat(err.toString()).contains("outlier sclerotic share must be between 0 and 1, got 1.5")
                .doesNotContain("Exception");
        err = new StringWriter();
        assertThat(run(out, err, "synth", "--out", dir.toString(), "--outlier-unlabelled")).isNotZero();
        assertThat(err.toString()).contains("--outlier-unlabelled need --profile hard");
        assertThat(dir.resolve("train.csv")).doesNotExist();
    }

    @Test
    void badSizeIsOneClearLine() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, "synth", "--out", dir.toString(), "--size", "big");
        assertThat(code).isNotZero();
        assertThat(err.toString()).startsWith("hubmap: error: --size must be WIDTHxHEIGHT").contains("'big'")
                .doesNotContain("Exception");
    }
}
