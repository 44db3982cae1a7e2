package io.github.hubmapseg.pipeline.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code train.init_from}: a fold starts from a checkpoint's weights (tricks article, 3rd place's second stage). */
class InitFromTest {

    @Test
    void aRunStartsFromTheCheckpointsWeights(@TempDir Path dir) throws Exception {
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            Recipe first = TinyData.recipe();
            Trainer.Result r1 = Trainer.builder(first, ds, ds.trainIds().subList(0, 1), List.of(), dir.resolve("a"))
                    .threads(1).build().train();
            INDArray saved;
            try (SegmentationModel m = Checkpoint.load(r1.last()).restore()) {
                saved = m.graph().params().dup();
            }
            try (SegmentationModel fresh = ModelFactory.create(first)) {
                assertThat(fresh.graph().params().equalsWithEps(saved, 1e-6)).isFalse();
                Trainer.initialise(fresh, r1.last());
                assertThat(fresh.graph().params()).isEqualTo(saved);
            }
            Recipe second = TinyData.recipe("train.init_from=" + r1.last());
            Trainer.builder(second, ds, ds.trainIds().subList(0, 1), List.of(), dir.resolve("b")).threads(1).build()
                    .train();
            assertThat(second.unconsumedKeys()).doesNotContain("train.init_from");
            Recipe wider = TinyData.recipe("model.base_channels=8", "train.init_from=" + r1.last());
            assertThatThrownBy(() -> Trainer.builder(wider, ds, ds.trainIds(), List.of(), dir.resolve("c")).threads(1)
                    .build().train()).hasMessageContaining("train.init_from").hasMessageContaining("parameters");
            Recipe missing = TinyData.recipe("train.init_from=" + dir.resolve("nope.zip"));
            assertThatThrownBy(() -> Trainer.builder(missing, ds, ds.trainIds(), List.of(), dir.resolve("d")).threads(1)
                    .build().train()).hasMessageContaining("no checkpoint at").hasMessageContaining("nope.zip");
        }
    }
}
