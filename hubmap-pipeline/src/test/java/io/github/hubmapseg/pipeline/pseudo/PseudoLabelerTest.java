package io.github.hubmapseg.pipeline.pseudo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.pipeline.HandData;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.data.SlideTile;
import io.github.hubmapseg.pipeline.data.TrainingTiles;
import io.github.hubmapseg.pipeline.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PseudoLabelerTest {
    static final int N = HandData.SIZE;
    static Path data;

    @BeforeAll
    static void data(@TempDir Path dir) throws IOException {
        data = HandData.write(dir.resolve("data"));
    }

    static Recipe.Infer infer(List<String> tta) {
        return new Recipe.Infer(64, 1, 16, 16, "mean", tta, 0.5, false, "mean", 0, 0);
    }

    @Test
    void confidentPixelsAgreeWithTruthAndTheUncertainBandIsExactlyLowToHigh() throws IOException {
        PseudoLabeler l = new PseudoLabeler(infer(List.of()), 0.5, 0.1, 0.9, 0);
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            PseudoLabel p = l.label("t", ds.slide("t"), List.of(HandData.identity()));
            byte[] mask = p.mask().toMask();
            byte[] unc = p.uncertain().toMask();
            byte[] truth = Rle.decode(ds.mask("t"));
            byte[] img = HandData.image(2);
            // toMask / decode give row-major masks, like the image
            long confident = 0;
            long uncertain = 0;
            for (int y = 0; y < N; y++) {
                for (int x = 0; x < N; x++) {
                    int cm = y * N + x;
                    double pr = (img[y * N + x] & 0xFF) / 255.0;
                    assertThat(unc[cm]).as("uncertain at (%d, %d), p=%f", x, y, pr).isEqualTo((byte) (pr > 0.1 && pr < 0.9 ? 1 : 0));
                    assertThat(mask[cm]).as("mask at (%d, %d)", x, y).isEqualTo((byte) (pr > 0.5 ? 1 : 0));
                    if (unc[cm] == 0) {
                        confident++;
                        assertThat(mask[cm]).as("confident pixel (%d, %d) vs truth", x, y).isEqualTo(truth[cm]);
                    } else {
                        uncertain++;
                    }
                }
            }
            assertThat(uncertain).isGreaterThan(100);
            assertThat(confident).isGreaterThan(uncertain * 10);
            assertThat(p.mask().area()).isGreaterThan(0);
        }
    }

    /**
     * The TTA standard deviation now comes from the ensemble's own pass (a side member of the engine): the uncertain
     * region is bit for bit what the former second pass gave. The reference is that former code, kept here as our
     * own transcription: the ensemble's mean from one engine pass, then the standard deviation over the poses of the
     * members' mean ({@code Predictors.ttaStd}) from a second pass with no poses of its own, OR-ed per pixel.
     */
    @Test
    void theTtaStdOfTheSamePassEqualsTheFormerSecondPassBitForBit() throws IOException {
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            for (List<String> poses : List.of(List.of("hflip"), List.of("hflip", "vflip", "transpose"))) {
                Recipe.Infer inf = new Recipe.Infer(64, 2, 16, 24, "gaussian", poses, 0.5, false, "mean", 0, 0);
                List<Predictor> ps = List.of(HandData.skewed(), HandData.identity());
                float limit = 0.005f;
                PseudoLabel one = new PseudoLabeler(inf, 0.5, 0.1, 0.9, limit).label("t", ds.slide("t"), ps);

                float[] mean = new float[N * N];
                new io.github.hubmapseg.pipeline.infer.Inference(inf, 0.5, null).predictProbabilities(ds.slide("t"),
                        ps, (y0, rows, band) -> System.arraycopy(band, 0, mean, (int) y0 * N, rows * N));
                io.github.hubmapseg.tiling.D4[] d4 = io.github.hubmapseg.tiling.D4.named(poses);
                if (d4.length < 2) {
                    d4 = io.github.hubmapseg.tiling.D4.flips();
                }
                Recipe.Infer plain = new Recipe.Infer(64, 2, 16, 24, "gaussian", List.of(), 0.5, false, "mean", 0, 0);
                float[] std = new float[N * N];
                new io.github.hubmapseg.pipeline.infer.Inference(plain, 0.5, null).predictProbabilities(ds.slide("t"),
                        List.of(io.github.hubmapseg.tiling.Predictors.ttaStd(ps, d4)),
                        (y0, rows, band) -> System.arraycopy(band, 0, std, (int) y0 * N, rows * N));
                byte[] mask = new byte[N * N];
                byte[] unc = new byte[N * N];
                long fromStd = 0;
                for (int k = 0; k < mask.length; k++) {
                    mask[k] = mean[k] >= 0.5f ? (byte) 1 : 0;
                    boolean band = mean[k] > 0.1f && mean[k] < 0.9f;
                    unc[k] = band || std[k] > limit ? (byte) 1 : 0;
                    fromStd += !band && std[k] > limit ? 1 : 0;
                }
                assertThat(fromStd).as("the std adds pixels (%s)", poses).isGreaterThan(20);
                assertThat(one.mask().toMask()).isEqualTo(mask);
                assertThat(one.uncertain().toMask()).as("%s", poses).isEqualTo(unc);
            }
        }
    }

    @Test
    void ttaStandardDeviationWidensTheUncertainRegionOnlyWhenPosesDisagree() throws IOException {
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            PseudoLabeler plain = new PseudoLabeler(infer(List.of("hflip")), 0.5, 0.1, 0.9, 0);
            PseudoLabeler tta = new PseudoLabeler(infer(List.of("hflip")), 0.5, 0.1, 0.9, 0.02);
            // flip-equivariant predictor: the poses agree, nothing is added
            assertThat(tta.label("t", ds.slide("t"), List.of(HandData.identity())).uncertain())
                    .isEqualTo(plain.label("t", ds.slide("t"), List.of(HandData.identity())).uncertain());
            // a predictor that depends on the tile column: h-flip disagrees inside the disks
            byte[] a = plain.label("t", ds.slide("t"), List.of(HandData.skewed())).uncertain().toMask();
            byte[] b = tta.label("t", ds.slide("t"), List.of(HandData.skewed())).uncertain().toMask();
            long added = 0;
            for (int k = 0; k < a.length; k++) {
                if (a[k] == 1) {
                    assertThat(b[k]).as("TTA uncertainty keeps the probability band").isEqualTo((byte) 1);
                }
                added += b[k] - a[k];
            }
            assertThat(added).isGreaterThan(100);
        }
    }

    @Test
    void writesBothCsvFilesAtomicallyAndTheyLoadBack(@TempDir Path out) throws IOException {
        PseudoLabeler l = new PseudoLabeler(infer(List.of()), 0.5, 0.1, 0.9, 0);
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            List<PseudoLabel> labels = l.write(ds, List.of("t", "a"), List.of(HandData.identity()), out, s -> { });
            PseudoLabels back = PseudoLabels.load(out, 0.05);
            assertThat(back.masks().keySet()).containsExactly("t", "a");
            assertThat(back.masks().get("t")).isEqualTo(Rle.format(labels.get(0).mask()));
            assertThat(back.uncertain().get("a")).isEqualTo(Rle.format(labels.get(1).uncertain()));
            assertThat(Files.readString(out.resolve(PseudoLabels.MASKS))).startsWith("id,encoding\n");
            try (var files = Files.list(out)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder(PseudoLabels.MASKS, PseudoLabels.UNCERTAIN);
            }
        }
    }

    @Test
    void theDatasetViewUsesPseudoMasksAndSamplingAvoidsUncertainTiles(@TempDir Path out) throws IOException {
        PseudoLabeler l = new PseudoLabeler(infer(List.of()), 0.5, 0.1, 0.9, 0);
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            PseudoLabel p = l.label("t", ds.slide("t"), List.of(HandData.identity()));
            // an empty pseudo mask shows that the view replaces test_truth.csv
            PseudoLabels labels = new PseudoLabels(Map.of("t", ""), Map.of("t", Rle.format(p.uncertain())), 0.05);
            int all = TrainingTiles.builder(ds, List.of("t"), 32, 1).build().gridTiles().size();
            try (CompetitionDataset view = ds.withPseudoLabels(labels)) {
                assertThat(view.mask("t").area()).isZero();
                assertThat(ds.mask("t").area()).isGreaterThan(0);
                TrainingTiles tiles = TrainingTiles.builder(view, List.of("t"), 32, 1).build();
                List<SlideTile> kept = tiles.gridTiles();
                assertThat(kept.size()).isLessThan(all).isGreaterThan(0);
                for (SlideTile t : kept) {
                    assertThat(view.ignoredFraction("t", t.region())).isLessThanOrEqualTo(0.05);
                }
                TrainingTiles random = TrainingTiles.builder(view, List.of("t"), 32, 1).sampling("random")
                        .epochSize(50).build();
                for (SlideTile t : random.epoch(0)) {
                    assertThat(view.ignoredFraction("t", t.region())).isLessThanOrEqualTo(0.05);
                }
            }
        }
    }

    @Test
    void aSecondStageTrainsOnPseudoLabelledSlides(@TempDir Path out) throws IOException {
        Recipe r = TinyData.recipe("data.reduce=1", "data.tile_size=32", "data.sampling=grid", "pseudo.enabled=true");
        PseudoLabeler l = PseudoLabeler.of(r, 0.5);
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            List<Predictor> ps = List.of(HandData.identity());
            l.write(ds, List.of("t"), ps, out.resolve("pseudo"), s -> { });
            try (CompetitionDataset view = ds.withPseudoLabels(PseudoLabels.load(out.resolve("pseudo"),
                    r.pseudo().maxUncertainFraction()))) {
                Trainer.Result res = Trainer.builder(r, view, List.of("a", "t"), List.of("b"), out.resolve("stage2"))
                        .threads(1).build().train();
                assertThat(res.history()).hasSize(1);
                assertThat(res.best()).exists();
            }
        }
    }

    @Test
    void badThresholdsAreNamed() {
        assertThatThrownBy(() -> new PseudoLabeler(infer(List.of()), 0.5, 0.9, 0.1, 0))
                .hasMessageContaining("low 0.9");
        assertThatThrownBy(() -> Recipes.withOverrides(Recipes.defaultRecipe(), List.of("pseudo.sources=train")))
                .hasMessageContaining("pseudo.sources");
        assertThatThrownBy(() -> Recipes.withOverrides(Recipes.defaultRecipe(), List.of("pseudo.max_tta_std=0.7")))
                .hasMessageContaining("pseudo.max_tta_std");
    }
}
