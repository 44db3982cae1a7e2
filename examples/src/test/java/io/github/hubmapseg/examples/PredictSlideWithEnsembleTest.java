package io.github.hubmapseg.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.pipeline.Reproduction;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictSlideWithEnsembleTest {

    @Test
    void rleLineAndPngMaskDescribeTheSameMask(@TempDir Path out) throws Exception {
        Reproduction.Report run = TinyRun.report();
        try (CompetitionDataset ds = CompetitionDataset.open(run.dataDir())) {
            String id = ds.testIds().get(0);
            PredictSlideWithEnsemble.Result r = PredictSlideWithEnsemble.run(ds.slidePath(id),
                    List.of(run.ensemble()), ds.mask(id), out);
            assertThat(r.threshold()).isEqualTo(Ensemble.load(run.ensemble()).threshold());

            List<TrainRow> rows = KaggleFiles.readSubmission(r.rleCsv());
            assertThat(rows).extracting(TrainRow::id).containsExactly(id);
            byte[] fromRle = Rle.decode(rows.get(0).encoding(), 512, 512);
            assertThat(Rle.runs(fromRle, 512, 512)).isEqualTo(r.runs());

            BufferedImage png = ImageIO.read(r.maskPng().toFile());
            assertThat(png.getWidth()).isEqualTo(512);
            assertThat(png.getHeight()).isEqualTo(512);
            long differ = 0;
            for (int y = 0; y < 512; y++) {
                for (int x = 0; x < 512; x++) {
                    int on = (png.getRGB(x, y) & 0xFF) > 127 ? 1 : 0;
                    if (on != fromRle[y * 512 + x]) {
                        differ++;
                    }
                }
            }
            assertThat(differ).isZero();

            BufferedImage overlay = ImageIO.read(r.overlayPng().toFile());
            assertThat(overlay).isNotNull();
            assertThat(Math.max(overlay.getWidth(), overlay.getHeight())).isBetween(16, 1024);
        }
    }
}
