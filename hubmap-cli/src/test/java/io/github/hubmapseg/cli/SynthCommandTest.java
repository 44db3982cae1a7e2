package io.github.hubmapseg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SynthCommandTest {

    @TempDir
    Path dir;

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = HubmapCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

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
    void badSizeIsOneClearLine() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, "synth", "--out", dir.toString(), "--size", "big");
        assertThat(code).isNotZero();
        assertThat(err.toString()).startsWith("hubmap: error: --size must be WIDTHxHEIGHT").contains("'big'")
                .doesNotContain("Exception");
    }
}
