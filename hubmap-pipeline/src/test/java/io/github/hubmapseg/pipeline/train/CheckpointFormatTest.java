package io.github.hubmapseg.pipeline.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.models.Checkpoints;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.testkit.RepoFiles;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints written before the training state moved into models' {@link Checkpoints} still load: the fixture
 * {@code checkpoints/training-v2.zip} was written by the previous {@code Checkpoint.save} (tiny U-Net with
 * {@code model.base_channels=2}, parameters + 0.0625, Adam state, 2 epochs, 7 steps, best 0.3 at epoch 2, two
 * history rows, scale-255 normalisation): the values below are the ones given to it then.
 */
class CheckpointFormatTest {

    private static Path fixture() {
        return RepoFiles.root().resolve("hubmap-pipeline/src/test/resources/checkpoints/training-v2.zip");
    }

    @Test
    void aCheckpointOfThePreviousCodeLoadsWithItsTrainingState() throws Exception {
        Checkpoint c = Checkpoint.load(fixture());
        assertThat(c.epochsDone()).isEqualTo(2);
        assertThat(c.iteration()).isEqualTo(7);
        assertThat(c.bestScore()).isEqualTo(0.3);
        assertThat(c.bestEpoch()).isEqualTo(2);
        assertThat(c.normalization().std()).containsExactly(255, 255, 255);
        assertThat(c.history()).containsExactly(new EpochMetrics(1, 0.5, 0.25, 0.125, 0.75, 0.001, 1.5),
                new EpochMetrics(2, 0.4, 0.2, 0.3, 0.8, 0.002, 2.5));
        assertThat(c.recipe().model().baseChannels()).isEqualTo(2);
        assertThat(c.updaterState()).isNotNull();
        try (SegmentationModel m = c.restore()) {
            assertThat(m.graph().params()).isEqualTo(c.params());
            assertThat(m.graph().getUpdater().getStateViewArray()).isEqualTo(c.updaterState());
            assertThat(m.graph().getConfiguration().getIterationCount()).isEqualTo(7);
        }
        // the models library reads the same file and finds the same state in its metadata
        Checkpoints.TrainingState t = Checkpoints.read(fixture()).training().orElseThrow();
        assertThat(t).usingRecursiveComparison().isEqualTo(c.state());
    }

    @Test
    void resavingWritesTheSameHeaderAsThePreviousCode(@TempDir Path tmp) throws Exception {
        Checkpoint c = Checkpoint.load(fixture());
        Path again = tmp.resolve("again.zip");
        c.save(again);
        assertThat(header(again)).isEqualTo(header(fixture()));
        Checkpoint back = Checkpoint.load(again);
        assertThat(back.params()).isEqualTo(c.params());
        assertThat(back.updaterState()).isEqualTo(c.updaterState());
    }

    private static String header(Path zip) throws Exception {
        try (ZipFile z = new ZipFile(zip.toFile()); InputStream in = z.getInputStream(z.getEntry(Checkpoints.HEADER))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
