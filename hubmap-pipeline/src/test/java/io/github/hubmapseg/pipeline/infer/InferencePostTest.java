package io.github.hubmapseg.pipeline.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.metrics.Dice;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.pipeline.HandData;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.tiling.post.Otsu;
import io.github.hubmapseg.tiling.post.PostProcessing;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The post-processing stages wired into {@link Inference#predictRuns}: each changes the mask as its rule says. */
class InferencePostTest {

    static final Recipe.Infer INFER = new Recipe.Infer(64, 1, 16, 16, "gaussian", List.of("hflip"), 0.5, false, "mean",
            0, 0);

    static float[] probabilities(Inference inf, ImageSource slide) throws Exception {
        int n = HandData.SIZE;
        float[] p = new float[n * n];
        inf.predictProbabilities(slide, List.of(HandData.identity()), new RowSink() {
            @Override
            public void accept(long y0, int rows, float[] band) {
                System.arraycopy(band, 0, p, (int) y0 * n, rows * n);
            }
        });
        return p;
    }

    @Test
    void eachStageChangesTheMaskByItsRule(@TempDir Path dir) throws Exception {
        HandData.write(dir.resolve("data"));
        int n = HandData.SIZE;
        try (CompetitionDataset ds = CompetitionDataset.open(dir.resolve("data"))) {
            ImageSource slide = ds.slide("t");
            Inference plain = new Inference(INFER, 0.5, null);
            RleRuns base = plain.predictRuns(slide, List.of(HandData.identity()));
            assertThat(base.area()).isPositive();
            List<String> log = new ArrayList<>();

            // energy: a tiny threshold keeps every disk, a huge one drops them all
            RleRuns keepAll = plain.withPost(new PostProcessing(0, false, 1, 2560, 512, 1e-6, 0), log::add)
                    .predictRuns(slide, List.of(HandData.identity()));
            assertThat(Rle.format(keepAll)).isEqualTo(Rle.format(base));
            RleRuns dropAll = plain.withPost(new PostProcessing(0, false, 1, 2560, 512, 15, 0), log::add)
                    .predictRuns(slide, List.of(HandData.identity()));
            assertThat(dropAll.area()).isZero();
            assertThat(log.get(1)).contains("energy kept 0 dropped 4 components");

            // Otsu: below the pixel count the mask is the probabilities at Otsu's threshold of them
            float[] p = probabilities(plain, slide);
            double t = Otsu.threshold(p);
            assertThat(t).isNotEqualTo(0.5);
            byte[] expected = new byte[n * n];
            for (int i = 0; i < p.length; i++) {
                expected[i] = p[i] >= t ? (byte) 1 : 0;
            }
            RleRuns otsu = plain.withPost(new PostProcessing(0, false, 1, 2560, 512, 0, 1_000_000), log::add)
                    .predictRuns(slide, List.of(HandData.identity()));
            assertThat(Rle.decodeWindow(otsu, 0, 0, n, n)).isEqualTo(expected);
            assertThat(log.get(2)).contains("Otsu threshold");
            RleRuns notBelow = plain.withPost(new PostProcessing(0, false, 1, 2560, 512, 0, 10), log::add)
                    .predictRuns(slide, List.of(HandData.identity()));
            assertThat(Rle.format(notBelow)).isEqualTo(Rle.format(base));

            // the empty-window filter: these grey slides have no saturation, every window is skipped and is 0
            RleRuns skipped = plain.withPost(new PostProcessing(40, false, 1, 2560, 512, 0, 0), log::add)
                    .predictRuns(slide, List.of(HandData.identity()));
            assertThat(skipped.area()).isZero();
            assertThat(log.get(4)).containsPattern("empty-window filter skipped (\\d+) of \\1 windows");

            // DenseCRF: the disks stay (their blurred edges may move), patches are reported
            RleRuns crf = plain.withPost(new PostProcessing(0, true, 2, 128, 32, 0, 0), log::add)
                    .predictRuns(slide, List.of(HandData.identity()));
            assertThat(Dice.dice(crf, base)).isGreaterThan(0.9);
            assertThat(log.get(5)).contains("DenseCRF 9 patches"); // reduced 128 x 128 in patches of 64, stride 48
        }
    }

    /**
     * Every GeoJSON polygon carries its object's mean energy score (10th place), with the energy filter off and on:
     * the mean of {@code -log(1 - p)} over the object's pixels of the probabilities the same inference gives (summed
     * here from those probabilities and the polygon's rasterised pixels), and the filter keeps exactly the objects
     * whose score reaches its threshold.
     */
    @Test
    void geoJsonPolygonsCarryTheirMeanEnergyWithOrWithoutTheFilter(@TempDir Path dir) throws Exception {
        HandData.write(dir.resolve("data"));
        int n = HandData.SIZE;
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (CompetitionDataset ds = CompetitionDataset.open(dir.resolve("data"))) {
            ImageSource slide = ds.slide("t");
            Inference plain = new Inference(INFER, 0.5, null);
            float[] p = probabilities(plain, slide);
            RleRuns base = plain.predictRuns(slide, List.of(HandData.identity()));
            byte[] mask = Rle.decodeWindow(base, 0, 0, n, n);
            List<Double> scores = new ArrayList<>();
            for (double minEnergy : new double[] {0, 1e-6}) {
                Inference inf = minEnergy == 0 ? plain
                        : plain.withPost(new PostProcessing(0, false, 1, 2560, 512, minEnergy, 0), null);
                PolygonOutput out = new PolygonOutput(dir.resolve("geo-" + scores.size()),
                        io.github.hubmapseg.core.geom.GeoJsonOptions.DEFAULT, 0);
                inf.predictRuns(slide, List.of(HandData.identity()), "t", out);
                var features = json.readTree(out.file("t").toFile()).get("features");
                assertThat(features.size()).isEqualTo(4);
                for (var f : features) {
                    var m = f.get("properties").get("measurements");
                    double got = m.get(io.github.hubmapseg.core.geom.GeoJsonWriter.ENERGY).asDouble();
                    // the object's pixels: the component of the mask inside the polygon's bounding box
                    var ring = f.get("geometry").get("coordinates").get(0);
                    int x0 = Integer.MAX_VALUE, y0 = Integer.MAX_VALUE, x1 = 0, y1 = 0;
                    for (var pt : ring) {
                        x0 = Math.min(x0, pt.get(0).asInt());
                        y0 = Math.min(y0, pt.get(1).asInt());
                        x1 = Math.max(x1, pt.get(0).asInt());
                        y1 = Math.max(y1, pt.get(1).asInt());
                    }
                    double sum = 0;
                    long count = 0;
                    for (int y = y0; y < y1; y++) {
                        for (int x = x0; x < x1; x++) {
                            if (mask[y * n + x] != 0) {
                                sum += -Math.log1p(-Math.min(p[y * n + x], 1.0 - 0x1p-24));
                                count++;
                            }
                        }
                    }
                    assertThat(count).isEqualTo(m.get(io.github.hubmapseg.core.geom.GeoJsonWriter.AREA).asLong());
                    assertThat(got).isCloseTo(sum / count, org.assertj.core.data.Offset.offset(1e-6 * got));
                    scores.add(got);
                }
            }
            assertThat(scores.subList(0, 4)).isEqualTo(scores.subList(4, 8)); // the filter on: the same scores
            // the filter at just below / just above the written scores keeps all / none of the objects
            List<Double> sorted = scores.subList(0, 4).stream().sorted().toList();
            for (double cut : new double[] {sorted.get(0) - 1e-6, sorted.get(3) + 1e-6}) {
                PolygonOutput out = new PolygonOutput(dir.resolve("geo-" + cut), io.github.hubmapseg.core.geom
                        .GeoJsonOptions.DEFAULT, 0);
                plain.withPost(new PostProcessing(0, false, 1, 2560, 512, cut, 0), null)
                        .predictRuns(slide, List.of(HandData.identity()), "t", out);
                assertThat(json.readTree(out.file("t").toFile()).get("features").size())
                        .isEqualTo((int) sorted.stream().filter(v -> v >= cut).count());
            }
        }
    }

    @Test
    void recipeKeysReachTheStagesAndBadValuesAreRefused() {
        Recipe r = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("post.crf=true", "post.crf_patch=512",
                "post.crf_overlap=128", "post.energy_threshold=0.7", "post.otsu_below=40000", "post.tissue_filter=40"));
        PostProcessing p = Inference.post(r.post(), 4);
        assertThat(p).isEqualTo(new PostProcessing(40, true, 4, 512, 128, 0.7, 40000));
        assertThat(r.unconsumedKeys()).doesNotContain("post.crf", "post.crf_patch", "post.crf_overlap",
                "post.energy_threshold", "post.otsu_below", "post.tissue_filter");
        // the CRF geometry is read only when the CRF runs: set without it, the key stays unread (an error at the end)
        Recipe off = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("post.crf_patch=1024"));
        Inference.post(off.post(), 4);
        assertThat(off.unconsumedKeys()).contains("post.crf_patch");
        assertThatThrownBy(() -> Recipes.withOverrides(Recipes.defaultRecipe(), List.of("post.tissue_filter=300")))
                .hasMessageContaining("post.tissue_filter must be in 0..255 (0 = off), got 300");
        assertThatThrownBy(() -> Recipes.withOverrides(Recipes.defaultRecipe(), List.of("post.energy_threshold=-1")))
                .hasMessageContaining("post.energy_threshold must be >= 0, got -1.0");
        assertThatThrownBy(() -> Recipes.withOverrides(Recipes.defaultRecipe(), List.of("post.crf_overlap=2560")))
                .hasMessageContaining("post.crf_overlap must be < post.crf_patch=2560, got 2560");
    }

    @Test
    void rowStagesRefuseAVoteEnsemble(@TempDir Path dir) throws Exception {
        HandData.write(dir.resolve("data"));
        Recipe.Infer vote = new Recipe.Infer(64, 1, 16, 16, "gaussian", List.of(), 0.5, false, "vote", 1, 0);
        try (CompetitionDataset ds = CompetitionDataset.open(dir.resolve("data"))) {
            Inference inf = new Inference(vote, 0.5, null).withPost(new PostProcessing(0, false, 1, 2560, 512, 1, 0),
                    null);
            assertThatThrownBy(() -> inf.predictRuns(ds.slide("t"), List.of(HandData.identity())))
                    .hasMessageContaining("need infer.ensemble mean, got vote");
        }
    }
}
