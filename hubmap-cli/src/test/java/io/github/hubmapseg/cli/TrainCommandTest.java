package io.github.hubmapseg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.synth.SyntheticDataset;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code hubmap train} checks the recipe before it trains: a key that nothing would read, or a typo, fails with
 * one line naming it before the run folder, the folds or any epoch exist; the same recipe without that key trains.
 */
class TrainCommandTest {
    @TempDir
    static Path dir;
    static Path data;

    /** cpu-quick shrunk to seconds (balanced sampling, one epoch of 4 tiles, fold 0 of 2). */
    static final String TINY = """
            name: tiny-train
            data: {tile_size: 64, reduce: 4, tiles_per_epoch: 4}
            model: {base_channels: 4}
            train: {epochs: 1, batch_size: 2}
            cv: {split: group-kfold-patient, folds: 2, train_folds: [0]}
            infer: {tile_size: 64, reduce: 4, expansion: 16}
            """;

    @BeforeAll
    static void synth() throws Exception {
        data = dir.resolve("data");
        SyntheticDataset.builder(data).slides(3).size(512, 512).patients(2).seed(7).threads(1).build()
                .write(new SyntheticDataset.Listener() {
                });
    }

    private static int train(Path recipe, Path out, StringWriter err, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--out", out.toString(),
                "--recipe", recipe.toString(), "--threads", "1"));
        args.addAll(List.of(more));
        CommandLine cl = HubmapCommand.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args.toArray(new String[0]));
    }

    @Test
    void aKeyNothingWouldReadFailsBeforeAnyEpoch() throws Exception {
        // pdf weights are read by pdf sampling only; this recipe samples balanced tiles
        Path recipe = Files.writeString(dir.resolve("unused.yaml"), TINY.replace("reduce: 4, tiles",
                "reduce: 4, cortex_weight: 0.7, tiles"));
        Path out = dir.resolve("run-unused");
        StringWriter err = new StringWriter();
        assertThat(train(recipe, out, err)).isNotZero();
        assertThat(err.toString()).contains("data.cortex_weight").contains("hubmap train would read none of it")
                .doesNotContain("\tat ");
        assertThat(out).doesNotExist(); // no folds.json, no fold-0/metrics.csv: nothing ran

        // a key a --set names for another sampler is caught the same way
        Path plain = Files.writeString(dir.resolve("plain.yaml"), TINY);
        err = new StringWriter();
        assertThat(train(plain, out, err, "--set", "data.positive_retries=25")).isNotZero();
        assertThat(err.toString()).contains("data.positive_retries");
        assertThat(out).doesNotExist();
    }

    @Test
    void aTypoFailsNamingTheValidKeys() throws Exception {
        Path recipe = Files.writeString(dir.resolve("typo.yaml"), TINY.replace("epochs: 1", "epoch: 1"));
        Path out = dir.resolve("run-typo");
        StringWriter err = new StringWriter();
        assertThat(train(recipe, out, err)).isNotZero();
        assertThat(err.toString()).contains("unknown key 'epoch'").contains("epochs");
        assertThat(out).doesNotExist();
    }

    @Test
    void theSameRecipeWithoutTheStrayKeyTrains() throws Exception {
        Path recipe = Files.writeString(dir.resolve("ok.yaml"), TINY);
        Path out = dir.resolve("run-ok");
        StringWriter err = new StringWriter();
        assertThat(train(recipe, out, err)).as(err.toString()).isZero();
        assertThat(out.resolve("fold-0").resolve("metrics.csv")).exists();
        assertThat(Files.readAllLines(out.resolve("fold-0").resolve("metrics.csv"))).hasSize(2); // header + 1 epoch
    }

    /**
     * A recipe's members train in one {@code hubmap train} (member-i/fold-N) and its ensemble.json names each
     * member's own scale; {@code hubmap threshold} searches with every member and keeps their settings.
     */
    @Test
    void membersTrainInOneRunAndTheEnsembleKeepsTheirScale() throws Exception {
        Path recipe = Files.writeString(dir.resolve("members.yaml"), TINY.replace("data: {tile_size: 64, reduce: 4, ",
                "data: {tile_size: 64, ").replace("infer: {tile_size: 64, reduce: 4, ", "infer: {tile_size: 64, ")
                + "members: [{data.reduce: 4, infer.reduce: 4}, {data.reduce: 2, infer.reduce: 2}]\n");
        Path out = dir.resolve("run-members");
        StringWriter err = new StringWriter();
        assertThat(train(recipe, out, err)).as(err.toString()).isZero();
        assertThat(out.resolve("member-0/fold-0/best.zip")).exists();
        assertThat(out.resolve("member-1/fold-0/best.zip")).exists();
        var e = io.github.hubmapseg.pipeline.infer.Ensemble.load(out.resolve("ensemble.json"));
        assertThat(e.entries()).extracting(m -> m.infer().get("reduce")).containsExactly(4, 2);
        CommandLine cl = HubmapCommand.commandLine();
        StringWriter o = new StringWriter();
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("threshold", "--data", data.toString(), "--run", out.toString())).as(err.toString())
                .isZero();
        var searched = io.github.hubmapseg.pipeline.infer.Ensemble.load(out.resolve("ensemble.json"));
        assertThat(searched.searched()).isTrue();
        assertThat(searched.entries()).extracting(m -> m.infer().get("reduce")).containsExactly(4, 2);
    }
}
