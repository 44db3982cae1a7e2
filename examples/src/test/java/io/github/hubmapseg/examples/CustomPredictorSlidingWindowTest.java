package io.github.hubmapseg.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.metrics.Dice;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.synth.SlideSpec;
import io.github.hubmapseg.core.synth.SyntheticSlide;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CustomPredictorSlidingWindowTest {

    @Test
    void tiledPredictionMatchesTheWholeSlideAndBeatsMarkingAllTissue(@TempDir Path out) throws Exception {
        int size = 1024;
        List<CustomPredictorSlidingWindow.SlideResult> results = CustomPredictorSlidingWindow.run(out, size, 2);
        List<TrainRow> rows = KaggleFiles.readSubmission(out.resolve("submission.csv"));
        assertThat(rows).extracting(TrainRow::id).containsExactly("synthetic0", "synthetic1");
        for (int i = 0; i < results.size(); i++) {
            CustomPredictorSlidingWindow.SlideResult r = results.get(i);
            SyntheticSlide slide = SyntheticSlide.create(new SlideSpec(r.id(), size, size, 100 + i));
            RleRuns truth = Rle.parse(slide.maskRle(), size, size);
            // the CSV row decodes to the mask whose Dice was reported
            RleRuns written = Rle.parse(rows.get(i).encoding(), size, size);
            assertThat(Dice.dice(written, truth)).isCloseTo(r.dice(), within(1e-12));
            // expansion >= the predictor's box radius: every kept pixel is computed as on the whole slide
            assertThat(r.dice()).isCloseTo(r.diceWholeSlide(), within(0.005));
            // bound from the slide itself: marking all tissue as glomerulus scores 2G / (G + T)
            long tissue = 0;
            for (long y = 0; y < size; y++) {
                for (long x = 0; x < size; x++) {
                    if (slide.region(x, y) != SyntheticSlide.Region.BACKGROUND) {
                        tissue++;
                    }
                }
            }
            double allTissue = 2.0 * truth.area() / (truth.area() + tissue);
            assertThat(r.dice()).isGreaterThan(Math.max(0.6, 2 * allTissue));
        }
    }

    @Test
    void predictorFindsADarkDiscOnGlass() {
        int n = 96;
        float[] px = new float[3 * n * n];
        java.util.Arrays.fill(px, 240f);
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                if ((x - 48) * (x - 48) + (y - 48) * (y - 48) < 30 * 30) {
                    for (int c = 0; c < 3; c++) {
                        px[c * n * n + y * n + x] = 90f; // nuclei-dense: high optical density
                    }
                }
            }
        }
        CustomPredictorSlidingWindow.OpticalDensityPredictor p =
                new CustomPredictorSlidingWindow.OpticalDensityPredictor(8, 0.21, 0.02);
        float[] out = p.predict(new TileBatch(px, 1, 3, n, n)).data();
        assertThat(out).hasSize(n * n);
        assertThat(out[48 * n + 48]).isGreaterThan(0.99f);
        assertThat(out[2 * n + 2]).isLessThan(0.01f);
    }
}
