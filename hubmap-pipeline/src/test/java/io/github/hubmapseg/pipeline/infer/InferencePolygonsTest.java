package io.github.hubmapseg.pipeline.infer;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.geom.GeoJsonOptions;
import io.github.hubmapseg.core.geom.MaskPolygon;
import io.github.hubmapseg.core.geom.Polygons;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.pipeline.HandData;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferencePolygonsTest {

    @Test
    void geojsonOfTheSamePassRasterisesToTheSubmissionMaskAtEveryReduce(@TempDir Path dir) throws Exception {
        HandData.write(dir.resolve("data"));
        int n = HandData.SIZE;
        byte[] image = HandData.image(2);
        for (int reduce : new int[] {1, 3}) {
            Recipe.Infer infer = new Recipe.Infer(64, reduce, 16, 16, "gaussian", List.of("hflip"), 0.5, false, "mean",
                    0, 40);
            Inference inf = new Inference(infer, 0.5, null);
            PolygonOutput out = new PolygonOutput(dir.resolve("geo" + reduce), GeoJsonOptions.DEFAULT, 0);
            Map<String, RleRuns> runs;
            try (CompetitionDataset ds = CompetitionDataset.open(dir.resolve("data"))) {
                runs = inf.writeSubmission(ds, List.of("t"), List.of(HandData.identity()), dir.resolve("s.csv"), out);
            }
            byte[] mask = Rle.decodeWindow(runs.get("t"), 0, 0, n, n);
            List<MaskPolygon> objects = KaggleFiles.readObjects(out.file("t"), "Mean probability");
            // the four disks and nothing else: at reduce 3 the last block column and row are cut by the slide's edge
            // (256 = 85 x 3 + 1); ReducedImageSource averages only the pixels inside the slide, so the dark background
            // stays dark there (before, the fill value 255 was averaged in and this identity predictor read it as
            // p = 1: a 1-pixel strip along the right and bottom edges became a fifth object)
            assertThat(objects).hasSize(4);
            assertThat(Polygons.rasterize(objects, n, n)).as("reduce %d", reduce).isEqualTo(mask);
            for (MaskPolygon o : objects) {
                byte[] one = Polygons.rasterize(List.of(o), n, n);
                long area = 0;
                double sum = 0;
                for (int i = 0; i < one.length; i++) {
                    if (one[i] != 0) {
                        area++;
                        sum += (image[i] & 0xFF) / 255.0;
                    }
                }
                assertThat(o.area()).isEqualTo(area);
                if (reduce == 1) {
                    // the identity predictor's probability is the image / 255 (blending of equal values is exact)
                    assertThat(o.meanValue()).isCloseTo(sum / area, Offset.offset(1e-4));
                } else {
                    assertThat(o.meanValue()).isBetween(0.5, 1.0);
                }
            }
        }
    }
}
