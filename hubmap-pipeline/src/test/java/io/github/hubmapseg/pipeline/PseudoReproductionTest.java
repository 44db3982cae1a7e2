package io.github.hubmapseg.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import io.github.hubmapseg.pipeline.pseudo.PseudoLabels;
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
}
