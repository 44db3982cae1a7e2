package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class CheckpointsTest {

    @Test
    void saveLoadResumesTrainingExactly(@TempDir Path dir) throws Exception {
        INDArray[] d = TrainingTest.tiles(2, 64, 11);
        Path file = dir.resolve("m.zip");
        try (SegmentationModel m = Models.builder("unet", "tiny").decoderChannels(List.of(8, 8, 8, 8, 8)).build()) {
            m.fit(d[0], d[1]);
            m.fit(d[0], d[1]);
            Checkpoints.save(m, file);
            assertThat(Files.list(dir)).containsExactly(file);
            try (SegmentationModel r = Checkpoints.load(file)) {
                assertThat(r.arch()).isEqualTo("unet");
                assertThat(r.encoder()).isEqualTo("tiny");
                assertThat(r.outputStride()).isEqualTo(32);
                assertThat(r.graph().params()).isEqualTo(m.graph().params());
                assertThat(r.graph().getUpdater().getStateViewArray())
                        .isEqualTo(m.graph().getUpdater().getStateViewArray());
                m.fit(d[0], d[1]);
                r.fit(d[0], d[1]);
                assertThat(r.graph().params()).isEqualTo(m.graph().params());
                assertThat(r.summary(64, 64).trainableParams()).isEqualTo(m.summary(64, 64).trainableParams());
            }
        }
    }

    @Test
    void missingFileIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> Checkpoints.load(dir.resolve("nope.zip"))).hasMessageContaining("nope.zip");
    }
}
