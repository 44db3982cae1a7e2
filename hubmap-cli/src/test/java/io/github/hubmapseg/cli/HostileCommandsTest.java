package io.github.hubmapseg.cli;

import static io.github.hubmapseg.cli.CliTests.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.cli.CliTests.Result;
import io.github.hubmapseg.core.io.FolderLock;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #15 through the command line: predict's ids and memory checked before any work, locked run folders, a
 * damaged ensemble file and evaluate's image end; each one line on stderr, exit 2, the previous output untouched.
 */
class HostileCommandsTest {
    @TempDir
    static Path dir;
    static Path data;
    static Path model;
    static final String OLD = "id,predicted\nx,1 2\n";

    @BeforeAll
    static void trainATinyModel() throws Exception {
        data = dir.resolve("data");
        SyntheticDataset.builder(data).slides(3).size(256, 256).patients(2).seed(5).threads(1).build()
                .write(new SyntheticDataset.Listener() {
                });
        Recipe r = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("data.tile_size=64", "data.reduce=4",
                "data.tiles_per_epoch=4", "train.batch_size=2", "train.epochs=1", "infer.tile_size=64",
                "infer.reduce=4", "infer.expansion=0", "infer.tta=[]", "model.base_channels=4"));
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            model = Trainer.builder(r, ds, ds.trainIds(), List.of(), dir.resolve("run")).threads(1).build().train()
                    .best();
        }
    }

    /** @return the one error line of a failed run (the second line only points to --verbose) */
    private static String error(Result r) {
        assertThat(r.err()).startsWith("hubmap: error: ").doesNotContain("\tat ");
        assertThat(r.err().lines().toList()).hasSize(2).last().asString().contains("--verbose");
        return r.err().lines().findFirst().orElseThrow();
    }

    private static String testId() throws Exception {
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            return ds.testIds().get(0);
        }
    }

    @Test
    void predictChecksIdsBeforeWork(@TempDir Path tmp) throws Exception {
        // the case: --ids good,good,typo turned a complete prev.csv into a 2-row one
        Path prev = tmp.resolve("prev.csv");
        Files.writeString(prev, OLD);
        String good = testId();
        Result r = run("predict", "--data", data.toString(), "--ensemble", model.toString(), "--out", prev.toString(),
                "--ids", good + "," + good + ",typo");
        assertThat(r.code()).isEqualTo(2);
        assertThat(error(r)).contains("unknown slide id 'typo' (not in " + data + ")")
                .contains("repeated: '" + good + "'").contains("known: '" + good + "'");
        assertThat(Files.readString(prev)).isEqualTo(OLD);
    }

    @Test
    void predictRefusesATileThatCannotFitBeforeAllocating(@TempDir Path tmp) throws Exception {
        // the case, tile 4096, ran out of memory after 10 s; a tile larger than the slide is refused by the
        // grid now, so the model sees 4096 x 4096 windows here through the expansion: 64 + 2 x 2016
        Path prev = tmp.resolve("prev.csv");
        Files.writeString(prev, OLD);
        Result r = run("predict", "--data", data.toString(), "--ensemble", model.toString(), "--out", prev.toString(),
                "--set", "infer.expansion=2016");
        assertThat(r.code()).isEqualTo(2);
        // here the window batches outgrow the heap budget first (a model with more channels outgrows the native cap
        // first: PredictionMemoryTest)
        assertThat(error(r)).contains("expand 2016, batchSize 4").containsPattern("needs at least [0-9.]+ MiB");
        assertThat(Files.readString(prev)).isEqualTo(OLD);
    }

    @Test
    void predictAndTrainIntoALockedFolderFailAtOnceNamingTheHolder(@TempDir Path tmp) throws Exception {
        Path prev = tmp.resolve("prev.csv");
        Files.writeString(prev, OLD);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread other = new Thread(() -> {
            try (FolderLock l = FolderLock.acquire(tmp, "hubmap train")) {
                held.countDown();
                done.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        other.start();
        try {
            held.await();
            Result p = run("predict", "--data", data.toString(), "--ensemble", model.toString(), "--out",
                    prev.toString());
            assertThat(p.code()).isEqualTo(2);
            assertThat(error(p)).contains(tmp + " is in use by hubmap train (pid " + ProcessHandle.current().pid()
                    + " on host ").contains(", since ");
            Result t = run("train", "--data", data.toString(), "--out", tmp.toString());
            assertThat(t.code()).isEqualTo(2);
            assertThat(error(t)).contains(tmp + " is in use by hubmap train");
            assertThat(Files.readString(prev)).isEqualTo(OLD);
            assertThat(tmp.resolve("folds.json")).doesNotExist();
        } finally {
            done.countDown();
            other.join();
        }
    }

    @Test
    void aThresholdWrittenAsAStringNamesFileFieldAndValue(@TempDir Path tmp) throws Exception {
        Path e = tmp.resolve("ensemble.json");
        Files.writeString(e, "{\"members\": [\"" + model.toAbsolutePath() + "\"], \"threshold\": \"0.4\"}");
        Result r = run("predict", "--data", data.toString(), "--ensemble", e.toString(), "--out",
                tmp.resolve("s.csv").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(error(r)).isEqualTo("hubmap: error: " + e + ": threshold must be a number in [0, 1], got \"0.4\" "
                + "(a string: write it without quotes)");
        Files.writeString(e, "{\"members\": [\"a.zip\"], \"threshold\": 0.4, \n \"threshold_searched\": tru }");
        assertThat(error(run("predict", "--data", data.toString(), "--ensemble", e.toString())))
                .startsWith("hubmap: error: " + e + " line 2, column ").contains("not valid JSON");
    }

    @Test
    void evaluateRefusesARunPastTheImageEnd(@TempDir Path tmp) throws Exception {
        String id = testId();
        Path sub = tmp.resolve("sub.csv");
        // the slides are 256 x 256 = 65536 pixels: a run starting at pixel 70000 lies past the end
        Files.writeString(sub, "id,predicted\n" + id + ",70000 5\n");
        Path truth = dir.resolve("truth.csv");
        Files.writeString(truth, "id,encoding\n" + id + ",1 5\n");
        // the truth file in the competition folder: its slides give the sizes, no --data needed
        Path inFolder = data.resolve("truth-" + tmp.getFileName() + ".csv");
        Files.copy(truth, inFolder);
        try {
            Result r = run("evaluate", sub.toString(), inFolder.toString());
            assertThat(r.code()).isEqualTo(2);
            assertThat(error(r)).contains("70000");
            Result d = run("evaluate", sub.toString(), truth.toString(), "--data", data.toString());
            assertThat(d.code()).isEqualTo(2);
            assertThat(error(d)).contains("70000");
        } finally {
            Files.delete(inFolder);
        }
        // bare CSVs: the sizes are unknown; scored, and said so
        Result bare = run("evaluate", sub.toString(), truth.toString());
        assertThat(bare.code()).isEqualTo(0);
        assertThat(bare.err()).contains("slide sizes unknown");
        // a slide the folder lacks cannot be sized: refused rather than scored on the pixel sets
        Files.writeString(sub, "id,predicted\nghost,1 5\n");
        Files.writeString(truth, "id,encoding\nghost,1 5\n");
        assertThat(error(run("evaluate", sub.toString(), truth.toString(), "--data", data.toString())))
                .contains("no slide 'ghost' under " + data.resolve("train"));
    }
}
