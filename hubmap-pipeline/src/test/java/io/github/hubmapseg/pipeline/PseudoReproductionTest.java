package io.github.hubmapseg.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.folds.Folds;
import io.github.hubmapseg.pipeline.pseudo.HandLabels;
import io.github.hubmapseg.pipeline.pseudo.PseudoLabels;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import io.github.hubmapseg.pipeline.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PseudoReproductionTest {

    @Test
    void aSecondStageTrainsWithPseudoLabelledTestSlides(@TempDir Path out) throws Exception {
        Reproduction.Report r = Reproduction.builder(out).data(TinyData.dir())
                .recipe(TinyData.recipe("pseudo.enabled=true", "pseudo.epochs=1", "cv.train_folds=[0]",
                        "pseudo.max_uncertain_fraction=1.0"))
                .threads(2).overlays(false).build().run();
        assertThat(r.pseudoSlides()).isEqualTo(1);
        for (String f : List.of("ensemble-stage1.json", "pseudo/" + PseudoLabels.MASKS, "pseudo/" + PseudoLabels.UNCERTAIN,
                "stage2/fold-0/best.zip", "stage2/threshold.csv", "fold-0/best.zip")) {
            assertThat(out.resolve(f)).as(f).exists();
        }
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            List<TrainRow> rows = KaggleFiles.readTrain(out.resolve("pseudo").resolve(PseudoLabels.MASKS));
            assertThat(rows).extracting(TrainRow::id).containsExactlyElementsOf(ds.testIds());
        }
        Ensemble e = Ensemble.load(out.resolve("ensemble.json"));
        assertThat(e.members()).containsExactly(out.resolve("stage2/fold-0/best.zip").toAbsolutePath().normalize());
        assertThat(Recipes.load(out.resolve("stage2/fold-0/recipe.yaml")).train().epochs()).isEqualTo(1);
        assertThat(Files.readString(out.resolve("report.txt"))).contains("second stage with 1 pseudo-labelled slides");
        assertThat(r.seconds()).containsKeys("pseudo", "train2", "oof2");
    }

    @Test
    void cpuQuickLeavesItOffAndFirstPlaceTurnsItOn() {
        assertThat(Recipes.defaultRecipe().pseudo().enabled()).isFalse();
        assertThat(Recipes.builtin("first-place").pseudo().enabled()).isTrue();
    }

    /**
     * The 3rd place's hand-label run: stage 2 starts from an earlier run's models ({@code pseudo.stage1}, {@code
     * pseudo.init: stage1}: not trained again, weights and input normalisation kept) and trains on the test slide's
     * hand labels (here its truth, {@code test_truth.csv}, as a person who labelled it would give).
     */
    @Test
    void aSecondStageFromAnEarlierRunTrainsOnHandLabels(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first");
        Reproduction.builder(first).data(TinyData.dir()).recipe(TinyData.recipe("cv.train_folds=[0]")).threads(2)
                .overlays(false).build().run();
        Path hand = dir.resolve("hand.csv");
        Files.copy(TinyData.dir().resolve(CompetitionDataset.TEST_TRUTH), hand);
        Path out = dir.resolve("second");
        List<String> log = new java.util.ArrayList<>();
        Reproduction.builder(out).data(TinyData.dir())
                .recipe(TinyData.recipe("pseudo.enabled=true", "pseudo.epochs=1", "cv.train_folds=[0]",
                        "pseudo.hand_labels=" + hand, "pseudo.init=stage1",
                        "pseudo.stage1=" + first.resolve("ensemble.json")))
                .threads(2).overlays(false).log(log::add).build().run();
        assertThat(out.resolve("fold-0")).as("stage 1 is not trained again").doesNotExist();
        assertThat(out.resolve("stage2/fold-0/best.zip")).exists();
        assertThat(Ensemble.load(out.resolve("ensemble-stage1.json")).members())
                .isEqualTo(Ensemble.load(first.resolve("ensemble.json")).members());
        assertThat(KaggleFiles.readTrain(out.resolve("pseudo").resolve(HandLabels.FILE)))
                .isEqualTo(KaggleFiles.readTrain(hand));
        String handId = KaggleFiles.readTrain(hand).get(0).id();
        assertThat(log).anyMatch(l -> l.startsWith("hand labels") && l.contains(handId));
        assertThat(log).anyMatch(l -> l.startsWith("stage 1 from "));
        Path stage1 = first.resolve("fold-0/best.zip").toAbsolutePath();
        assertThat(Recipes.load(out.resolve("stage2/fold-0/recipe.yaml")).train().initFrom())
                .isEqualTo(stage1.toString());
        Normalization kept = Checkpoint.load(out.resolve("stage2/fold-0/best.zip")).normalization();
        Normalization own = Checkpoint.load(stage1).normalization();
        assertThat(kept.mean()).containsExactly(own.mean());
        assertThat(kept.std()).containsExactly(own.std());
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            // what a fresh stage 2 measures on its slides (fold 0's training slides plus the test slide)
            List<String> ids = new java.util.ArrayList<>(TileFolds.fold(Folds.load(first.resolve("folds.json")),
                    ds.trainIds(), 0).trainIds());
            ids.addAll(ds.testIds());
            assertThat(Trainer.normalization(TinyData.recipe(), ds, ids).mean()).isNotEqualTo(own.mean());
        }
    }

    @Test
    void badSecondStageInputsFailBeforeAnyEpoch(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first");
        Files.createDirectories(first.resolve("fold-0"));
        Files.writeString(first.resolve("ensemble.json"), "{\"members\": [\"fold-0/best.zip\"], \"threshold\": 0.5}");
        Path out = dir.resolve("run");
        for (String[] c : List.of(
                new String[] {"pseudo.stage1=" + dir.resolve("nothing.json"), "no ensemble file at"},
                new String[] {"pseudo.stage1=" + first.resolve("ensemble.json"), "no folds.json beside"},
                new String[] {"pseudo.hand_labels=" + dir.resolve("nothing.csv"), "no file at"})) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Reproduction.builder(out).data(TinyData.dir())
                            .recipe(TinyData.recipe("pseudo.enabled=true", "cv.train_folds=[0]", c[0]))
                            .threads(2).overlays(false).build().run())
                    .as(c[0]).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c[1]);
            assertThat(out.resolve("fold-0")).as("no epoch trained").doesNotExist();
        }
    }

    @Test
    void theHandLabelKeysAreReadWithPseudoLabelsAndRefusedWithout() {
        List<String> keys = List.of("pseudo.hand_labels=hand.csv", "pseudo.init=stage1", "pseudo.stage1=run/ensemble.json");
        for (String k : keys) {
            RecipeCheck.beforeRun(TinyData.recipe("pseudo.enabled=true", k), "hubmap reproduce");
            String key = k.substring(0, k.indexOf('='));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> RecipeCheck.beforeRun(TinyData.recipe(k),
                    "hubmap reproduce")).as(k).hasMessageContaining("[" + key + "]");
        }
        Recipe.Pseudo p = TinyData.recipe("pseudo.enabled=true").pseudo();
        assertThat(List.of(p.handLabels(), p.init(), p.stage1())).containsExactly("", "scratch", "");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TinyData.recipe("pseudo.init=stage2"))
                .hasMessageContaining("pseudo.init").hasMessageContaining("stage2");
    }
}
