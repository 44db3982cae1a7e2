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

    @Test
    void stagesRunInTurnEachFromThePreviousStagesBestWeights(@TempDir Path dir) throws Exception {
        // the tricks article's two stages: Dice, then Lovasz from the first stage's weights
        Recipe r = io.github.hubmapseg.pipeline.config.Recipes.parse("""
                name: two-stage
                data: {tile_size: 64, reduce: 4, tiles_per_epoch: 4}
                model: {base_channels: 4}
                train:
                  batch_size: 2
                  stages: [{loss: dice, epochs: 1}, {loss: lovasz, epochs: 2}]
                cv: {split: none}
                """, "two-stage");
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            var folds = io.github.hubmapseg.pipeline.Reproduction.folds(r, ds);
            List<String> log = new java.util.ArrayList<>();
            List<Trainer.Result> res = io.github.hubmapseg.pipeline.Reproduction.trainFolds(r, ds, folds, dir, 1,
                    log::add, TrainListener.NONE);
            assertThat(res).hasSize(1);
            assertThat(res.get(0).history()).hasSize(2); // the last stage's epochs
            Checkpoint s1 = Checkpoint.load(dir.resolve("fold-0/stage-1/best.zip"));
            Checkpoint s2 = Checkpoint.load(dir.resolve("fold-0/stage-2/best.zip"));
            assertThat(s1.recipe().train().loss()).isEqualTo("dice");
            assertThat(s2.recipe().train().loss()).isEqualTo("lovasz");
            assertThat(s2.recipe().train().initFrom()).endsWith("stage-1/best.zip");
            assertThat(log).anyMatch(l -> l.contains("stage 2: lovasz for 2 epochs, from stage 1's best weights"));
            assertThat(r.unconsumedKeys()).isEmpty();
        }
        Recipe both = io.github.hubmapseg.pipeline.config.Recipes.withOverrides(r, List.of("train.loss=bce"));
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            assertThatThrownBy(() -> io.github.hubmapseg.pipeline.Reproduction.trainFolds(both, ds,
                    io.github.hubmapseg.pipeline.Reproduction.folds(both, ds), dir.resolve("x"), 1, l -> { },
                    TrainListener.NONE)).hasMessageContaining("train.stages and train.loss");
        }
    }
}
