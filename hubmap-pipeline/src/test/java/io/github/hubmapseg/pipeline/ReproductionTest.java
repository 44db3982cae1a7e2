package io.github.hubmapseg.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReproductionTest {

    @Test
    void wholePipelineOnATinySyntheticSet(@TempDir Path out) throws Exception {
        Reproduction.Report r = Reproduction.builder(out).data(TinyData.dir()).recipe(TinyData.recipe())
                .threads(2).build().run();
        assertThat(r.submission()).exists();
        List<TrainRow> rows = KaggleFiles.readSubmission(r.submission());
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            assertThat(rows).extracting(TrainRow::id).containsExactlyElementsOf(ds.testIds());
            for (TrainRow row : rows) {
                // decodes at the slide's size
                byte[] m = Rle.decode(row.encoding(), 512, 512);
                assertThat(m).hasSize(512 * 512);
            }
        }
        assertThat(r.diceBySlide()).hasSize(1);
        assertThat(r.meanDice()).isBetween(0.0, 1.0);
        assertThat(r.folds()).hasSize(2);
        for (String f : List.of("report.txt", "recipe.yaml", "folds.json", "threshold.csv", "threshold.png",
                "ensemble.json", "fold-0/metrics.csv", "fold-1/metrics.csv", "fold-0/dice.png", "fold-1/best.zip")) {
            assertThat(out.resolve(f)).as(f).exists();
        }
        assertThat(Files.list(out.resolve("overlays")).count()).isEqualTo(1);
        Ensemble e = Ensemble.load(out.resolve("ensemble.json"));
        assertThat(e.members()).hasSize(2);
        assertThat(e.threshold()).isEqualTo(r.threshold());
        assertThat(e.searched()).isTrue();
        assertThat(Files.readString(out.resolve("report.txt"))).contains("mean test Dice").contains("submission.csv");
    }
}
