package io.github.hubmapseg.pipeline.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.io.FolderLock;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.data.Normalization;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #15 (5): a fold's run folder is locked while training, and a resume with another recipe is refused. */
class RunFolderTest {

    /** A checkpoint as an interrupted run leaves it: {@code epochs} epochs done of the recipe. */
    private static void interruptedRun(Recipe r, int epochs, Path dir) throws Exception {
        try (SegmentationModel m = ModelFactory.create(r)) {
            Checkpoint.of(r, epochs, 2L * epochs, Normalization.scale255(3), List.of(), Double.NaN, 0, m, true)
                    .save(dir.resolve("last.zip"));
        }
    }

    @Test
    void resumeWithAnotherModelIsRefusedListingTheKeys(@TempDir Path tmp) throws Exception {
        // the case: 8-channel weights, a recipe that now says 16, silently continued under the new name
        Recipe run = TinyData.recipe("model.base_channels=8", "train.loss=bce");
        interruptedRun(run, 1, tmp);
        Recipe now = TinyData.recipe("model.base_channels=16", "train.loss=dice", "train.epochs=3");
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            List<String> one = List.of(ds.trainIds().get(0));
            assertThatThrownBy(() -> Trainer.builder(now, ds, one, List.of(), tmp).build().train())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(tmp.resolve("last.zip").toString())
                    .hasMessageContaining("model.base_channels (8 -> 16)")
                    .hasMessageContaining("train.loss (\"bce\" -> \"dice\")")
                    .hasMessageContaining("--force-new")
                    .message().doesNotContain("train.epochs (").doesNotContain("\n");
        }
    }

    @Test
    void resumableKeysMayChange(@TempDir Path tmp) throws Exception {
        Recipe run = TinyData.recipe("train.epochs=1");
        interruptedRun(run, 1, tmp);
        // more epochs are asked for, inference and the notes changed: allowed; the run is already at epoch 1 of 1
        Recipe now = TinyData.recipe("train.epochs=1", "infer.threshold=0.3", "notes=second try");
        assertThat(Trainer.resumeConflicts(run, TinyData.recipe("train.epochs=7", "infer.tile_size=128"))).isEmpty();
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            List<String> one = List.of(ds.trainIds().get(0));
            Trainer.Result r = Trainer.builder(now, ds, one, List.of(), tmp).build().train();
            assertThat(r.history()).isEmpty(); // resumed after epoch 1 of 1: nothing left to run
            assertThat(Checkpoint.load(r.last()).epochsDone()).isEqualTo(1);
        }
    }

    @Test
    void forceNewStartsTheFoldOver(@TempDir Path tmp) throws Exception {
        Recipe run = TinyData.recipe("model.base_channels=8");
        interruptedRun(run, 5, tmp);
        Recipe now = TinyData.recipe("model.base_channels=16");
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            List<String> one = List.of(ds.trainIds().get(0));
            Trainer.Result r = Trainer.builder(now, ds, one, List.of(), tmp).forceNew(true).build().train();
            Checkpoint c = Checkpoint.load(r.last());
            assertThat(c.epochsDone()).isEqualTo(1); // a new run of 1 epoch, not epoch 6 of the old one
            assertThat(Recipes.differences(c.recipe(), now)).isEmpty();
        }
    }

    @Test
    void aSecondTrainerOfTheSameFolderFailsAtOnceNamingTheFirst(@TempDir Path tmp) throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread other = new Thread(() -> {
            try (FolderLock l = FolderLock.acquire(tmp, "training of fold 3")) {
                held.countDown();
                done.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        other.start();
        held.await();
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            List<String> one = List.of(ds.trainIds().get(0));
            assertThatThrownBy(() -> Trainer.builder(TinyData.recipe(), ds, one, List.of(), tmp).build().train())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is in use by training of fold 3 (pid " + ProcessHandle.current().pid())
                    .message().doesNotContain("\n");
        } finally {
            done.countDown();
            other.join();
        }
        assertThat(tmp.resolve("last.zip")).doesNotExist();
    }

    @Test
    void differencesCompareEveryKey() {
        Recipe a = TinyData.recipe();
        assertThat(Recipes.differences(a, TinyData.recipe())).isEmpty();
        assertThat(Recipes.differences(a, TinyData.recipe("train.lr.max_lr=0.5", "infer.tta=[hflip]")))
                .extracting(Recipes.Difference::key).containsExactly("infer.tta", "train.lr.max_lr");
        assertThat(Trainer.resumeConflicts(a, TinyData.recipe("train.lr.max_lr=0.5", "infer.tta=[hflip]")))
                .extracting(Recipes.Difference::key).containsExactly("train.lr.max_lr");
    }
}
