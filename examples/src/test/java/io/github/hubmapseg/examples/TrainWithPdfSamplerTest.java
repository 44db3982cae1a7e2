package io.github.hubmapseg.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.kaggle.AnatomicalStructure;
import io.github.hubmapseg.core.kaggle.Polygon;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import java.nio.file.Path;
import java.util.List;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainWithPdfSamplerTest {

    @Test
    void pdfTilesHoldMoreGlomerulusAndTrainingWritesACheckpoint(@TempDir Path out) throws Exception {
        Path data = TinyRun.report().dataDir();
        TrainWithPdfSampler.Result r = TrainWithPdfSampler.run(data, out, List.of("data.tile_size=32",
                "data.reduce=2", "data.tiles_per_epoch=4", "train.batch_size=2", "train.epochs=1",
                "model.base_channels=4"), line -> { });
        assertThat(r.pdfShare()).isGreaterThan(r.gridShare());
        assertThat(r.training().history()).hasSize(1);
        assertThat(r.training().history().get(0).trainLoss()).isFinite();
        assertThat(r.training().best()).exists();
        assertThat(out.resolve("metrics.csv")).exists();
        assertThat(Checkpoint.load(r.training().best()).recipe().data().sampling()).isEqualTo("pdf");
    }

    @Test
    void regionsRasteriseMedullaOverCortex() {
        Polygon outer = new Polygon(new double[] {0, 64, 64, 0}, new double[] {0, 0, 64, 64});
        Polygon inner = new Polygon(new double[] {16, 48, 48, 16}, new double[] {16, 16, 48, 48});
        byte[] r = TrainWithPdfSampler.regions(List.of(new AnatomicalStructure("Medulla", List.of(inner)),
                new AnatomicalStructure("Cortex", List.of(outer))), 5, 5, 16);
        assertThat(r[0]).isEqualTo((byte) 1);       // cell (0, 0), centre (8, 8): cortex only
        assertThat(r[1 * 5 + 1]).isEqualTo((byte) 2); // centre (24, 24): medulla wins
        assertThat(r[4 * 5 + 4]).isEqualTo((byte) 0); // centre (72, 72): outside both
    }

    @Test
    void glomerulusFractionIsTheMeanShareOfMaskPixels() {
        byte[] m = new byte[8 * 8];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                m[y * 8 + x] = 1; // top-left 4 x 4 quadrant
            }
        }
        RleRuns runs = Rle.runs(m, 8, 8);
        List<Interval> tiles = List.of(FinalInterval.createMinSize(0, 0, 4, 4), FinalInterval.createMinSize(4, 4, 4, 4));
        assertThat(TrainWithPdfSampler.glomerulusFraction(tiles.iterator(), runs)).isEqualTo(0.5);
    }
}
