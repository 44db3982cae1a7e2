package io.github.hubmapseg.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.pipeline.Reproduction;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.train.EpochMetrics;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThirdPlaceReproductionTest {

    @Test
    void tinyRunWritesADecodableSubmissionAndAReport() throws Exception {
        Reproduction.Report r = TinyRun.report();
        List<TrainRow> rows = KaggleFiles.readSubmission(r.submission());
        try (CompetitionDataset ds = CompetitionDataset.open(r.dataDir())) {
            assertThat(ds.trainIds()).hasSize(2);
            assertThat(rows).extracting(TrainRow::id).containsExactlyElementsOf(ds.testIds());
            for (TrainRow row : rows) {
                assertThat(Rle.decode(row.encoding(), 512, 512)).hasSize(512 * 512);
            }
        }
        assertThat(r.folds()).hasSize(2).allSatisfy(h -> assertThat(h).hasSize(6));
        assertThat(r.diceBySlide()).hasSize(1);
        assertThat(r.meanDice()).isBetween(0.0, 1.0); // learning: see foldsTrainedFarBelowAnUntrainedModelsLoss
        Ensemble e = Ensemble.load(r.ensemble());
        assertThat(e.members()).hasSize(2).allSatisfy(m -> assertThat(m).exists());
        assertThat(Files.readString(r.out().resolve("report.txt"))).contains("mean test Dice");
        assertThat(r.out().resolve("overlays")).isDirectory();
    }

    /**
     * The fold models learned. Measured on this tiny run (last-epoch training BCE of fold 0 / fold 1): trained
     * 0.123 / 0.329; the same run with peak rate 1e-12 (weights as initialised) 0.913 / 0.893; the test asserts 0.6,
     * between the two. The test Dice cannot show learning at this size: the 3rd place's plain BCE from random weights
     * does not yet push any pixel above 0.5 in 48 steps (test Dice 0.000 trained, 0.017 untrained; 0.000 even on
     * the slide each fold trained on). Nor has it gone far past the prior: no model that ignores the image can
     * average a BCE below the entropy of the foreground fraction, 0.118 for fold 0's slide, and fold 0 ends at 0.123.
     * What this run shows is the example's plumbing and a loss far below an untrained model's; the 3rd-place recipe's
     * learning at a useful size is measured by {@code ThirdPlaceReproduction --quick} (see its Javadoc).
     */
    @Test
    void foldsTrainedFarBelowAnUntrainedModelsLoss() {
        Reproduction.Report r = TinyRun.report();
        for (int k = 0; k < r.folds().size(); k++) {
            List<EpochMetrics> history = r.folds().get(k);
            assertThat(history.get(history.size() - 1).trainLoss()).as("fold %d last-epoch training BCE", k)
                    .isLessThan(0.6);
        }
    }

    @Test
    void theRunKeepsTheThirdPlaceRecipeWhereNotOverridden() throws Exception {
        Recipe saved = Recipes.load(TinyRun.report().out().resolve("recipe.yaml"));
        Recipe original = Recipes.builtin("third-place");
        assertThat(saved.name()).isEqualTo("third-place");
        assertThat(saved.train().loss()).isEqualTo(original.train().loss());
        assertThat(saved.train().gradClipNorm()).isEqualTo(original.train().gradClipNorm());
        assertThat(saved.train().augment()).isEqualTo(original.train().augment());
        assertThat(saved.train().selectBy()).isEqualTo("best-soft-dice");
        assertThat(saved.data().sampling()).isEqualTo("grid");
        assertThat(saved.model().encoder()).isEqualTo("tiny");
    }

    @Test
    void quickOverridesKeepTheExpansionRatioAndAValidWindow() {
        Recipe quick = Recipes.withOverrides(Recipes.builtin("third-place"), ThirdPlaceReproduction.QUICK);
        Recipe full = Recipes.builtin("third-place");
        assertThat((double) quick.infer().expansion() / quick.infer().tileSize())
                .isEqualTo((double) full.infer().expansion() / full.infer().tileSize());
        // the tiny encoder has output stride 32: the model window tile + 2 * expansion must be a multiple
        assertThat((quick.infer().tileSize() + 2 * quick.infer().expansion()) % 32).isZero();
        assertThat(quick.data().tileSize()).isEqualTo(quick.infer().tileSize());
        assertThat(quick.data().reduce()).isEqualTo(quick.infer().reduce());
    }

    @Test
    void unknownArgumentsAreNamed() {
        assertThatThrownBy(() -> ThirdPlaceReproduction.main(new String[] {"--bogus"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'--bogus'");
    }
}
