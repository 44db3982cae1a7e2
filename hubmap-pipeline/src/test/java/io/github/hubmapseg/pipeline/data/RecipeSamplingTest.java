package io.github.hubmapseg.pipeline.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.Polygon;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.augment.Augmentations;
import io.github.hubmapseg.pipeline.augment.Compose;
import io.github.hubmapseg.pipeline.augment.RandomCrop;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import java.awt.Color;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.imglib2.Interval;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each shipped recipe's sampling does to the epoch, checked against the masks and pixels computed here
 * (full masks decoded from {@code train.csv}, saturation from {@link Color#RGBtoHSB}, glomeruli from the polygon
 * JSON): each test fails if its feature silently does nothing. Tile sizes are scaled down to fit 2048-pixel
 * synthetic slides; everything else is the recipe's.
 */
class RecipeSamplingTest {

    @TempDir
    static Path dir;
    static CompetitionDataset ds;
    static final Map<String, byte[]> MASKS = new HashMap<>();
    static final int SIZE = 2048;

    @BeforeAll
    static void data() throws Exception {
        SyntheticDataset.builder(dir).slides(3).size(SIZE, SIZE).patients(1).seed(5).threads(1).build()
                .write(new SyntheticDataset.Listener() {
                });
        ds = CompetitionDataset.open(dir);
        for (TrainRow row : KaggleFiles.readTrain(dir.resolve("train.csv"))) {
            MASKS.put(row.id(), Rle.decode(row.encoding(), SIZE, SIZE));
        }
    }

    /** Masked pixels of a full-resolution region, counted on the decoded full mask (0 outside the slide). */
    static long area(String id, Interval t) {
        byte[] m = MASKS.get(id);
        long a = 0;
        for (long y = Math.max(0, t.min(1)); y <= Math.min(SIZE - 1, t.max(1)); y++) {
            for (long x = Math.max(0, t.min(0)); x <= Math.min(SIZE - 1, t.max(0)); x++) {
                a += m[(int) (y * SIZE + x)] != 0 ? 1 : 0;
            }
        }
        return a;
    }

    static TrainingTiles tiles(String recipe, String... overrides) throws Exception {
        Recipe r = Recipes.withOverrides(Recipes.builtin(recipe), List.of(overrides));
        return TrainingTiles.forTraining(ds, ds.trainIds(), r, Normalization.scale255(3));
    }

    @Test
    void firstPlaceEpochHasShiftedTilesEmptyTilesAndAFlatMaskedAreaHistogram() throws Exception {
        // 1st place: 1024 tiles + the (512, 512)-shifted grid; here 256 tiles shifted by 128, reduce 2
        TrainingTiles t = tiles("first-place", "data.tile_size=256", "data.shift=128", "data.tiles_per_epoch=5000");
        int side = 512;
        List<SlideTile> grid = t.gridTiles();
        List<SlideTile> epoch = t.epoch(0);
        assertThat(epoch).hasSize(5000);
        long shifted = epoch.stream().filter(s -> s.region().min(0) % side == 256 && s.region().min(1) % side == 256)
                .count();
        long empty = epoch.stream().filter(s -> area(s.slideId(), s.region()) == 0).count();
        assertThat(shifted).isGreaterThan(0);
        assertThat(empty).isGreaterThan(0);
        // the test's own binning: empty, then 4 equal-width bins over (0, max area]
        long max = grid.stream().mapToLong(s -> area(s.slideId(), s.region())).max().orElseThrow();
        double[] gridHist = hist(grid, max);
        double[] epochHist = hist(epoch, max);
        int nonEmptyBins = 0;
        for (double v : gridHist) {
            nonEmptyBins += v > 0 ? 1 : 0;
        }
        for (int b = 0; b < 5; b++) {
            if (gridHist[b] > 0) {
                assertThat(epochHist[b]).as("bin %d", b).isCloseTo(1.0 / nonEmptyBins,
                        org.assertj.core.api.Assertions.within(0.03));
            }
        }
        assertThat(epochHist).isNotEqualTo(gridHist);
        double maxGap = 0;
        for (int b = 0; b < 5; b++) {
            maxGap = Math.max(maxGap, Math.abs(epochHist[b] - gridHist[b]));
        }
        assertThat(maxGap).as("the balanced draw must change the histogram of the grid").isGreaterThan(0.1);
    }

    private static double[] hist(List<SlideTile> tiles, long max) {
        double[] h = new double[5];
        for (SlideTile s : tiles) {
            long a = area(s.slideId(), s.region());
            h[a == 0 ? 0 : (int) Math.ceil(4.0 * a / max)] += 1.0 / tiles.size();
        }
        return h;
    }

    @Test
    void thirdPlaceKeepsOnlyTilesPassingIafossSaturationRule() throws Exception {
        TrainingTiles t = tiles("third-place", "data.tile_size=256");
        TrainingTiles all = tiles("third-place", "data.tile_size=256", "data.saturation_threshold=0");
        assertThat(t.saturationFiltered()).isGreaterThan(0);
        assertThat(t.gridTiles().size() + t.saturationFiltered()).isEqualTo(all.gridTiles().size());
        for (SlideTile s : all.gridTiles()) {
            boolean kept = t.gridTiles().stream().anyMatch(k -> k.slideId().equals(s.slideId())
                    && k.region().min(0) == s.region().min(0) && k.region().min(1) == s.region().min(1));
            assertThat(kept).as("tile %s", s).isEqualTo(passes(ds.slide(s.slideId()), s.region(), 2, 40));
        }
        assertThat(t.epoch(0)).allSatisfy(s -> assertThat(passes(ds.slide(s.slideId()), s.region(), 2, 40)).isTrue());
    }

    /** iafoss: (s > 40).sum() > 1000 (T/256)^2 and img.sum() > the same; S in 0..255 from java.awt. */
    static boolean passes(ImageSource src, Interval region, int reduce, int threshold) throws Exception {
        int w = (int) (region.dimension(0) / reduce);
        int n = w * w;
        byte[] px = src.read(region, reduce).update(null).getCurrentStorageArray();
        long sat = 0;
        long sum = 0;
        float[] hsb = new float[3];
        for (int i = 0; i < n; i++) {
            int r = px[i] & 0xFF;
            int g = px[n + i] & 0xFF;
            int b = px[2 * n + i] & 0xFF;
            sum += r + g + b;
            Color.RGBtoHSB(r, g, b, hsb);
            sat += Math.round(hsb[1] * 255) > threshold ? 1 : 0;
        }
        double min = 1000.0 * w * w / (256.0 * 256.0);
        return sat > min && sum > min;
    }

    @Test
    void twentyThirdPlaceCropsContainAGlomerulusAndAreNotOnTheGrid() throws Exception {
        TrainingTiles t = tiles("twenty-third-place", "data.tile_size=256", "data.tiles_per_epoch=200",
                "train.augment=flips");
        List<SlideTile> epoch = t.epoch(0);
        assertThat(epoch).hasSize(200).allSatisfy(s -> assertThat(area(s.slideId(), s.region())).isPositive());
        assertThat(epoch.stream().filter(s -> s.region().min(0) % 512 != 0).count()).isGreaterThan(150);
        assertThat(epoch).allSatisfy(s -> {
            assertThat(s.region().min(0)).isBetween(0L, (long) SIZE - 512);
            assertThat(s.region().max(1)).isLessThan(SIZE);
        });
        // the grid has empty tiles, so "contains a glomerulus" is not true of any tile
        assertThat(t.gridTiles().stream().anyMatch(s -> area(s.slideId(), s.region()) == 0)).isTrue();
    }

    @Test
    void twentyThirdPlaceRandomCropGivesSmallerTrainingTiles() throws Exception {
        assertThat(Augmentations.outputSide(Augmentations.preset("twenty-third-place"), 1024)).isEqualTo(768);
        TrainingTiles t = TrainingTiles.builder(ds, ds.trainIds(), 64, 4).epochSize(4)
                .augmentation(new Compose(List.of(Augmentations.flips(), new RandomCrop(48, 48, 1)), 1))
                .normalization(Normalization.scale255(3)).build();
        assertThat(t.outputTile()).isEqualTo(48);
        try (BatchLoader l = t.batches(0, 2, 1, 1)) {
            Batch b = l.next();
            assertThat(b.height()).isEqualTo(48);
            assertThat(b.images()).hasSize(2 * 48 * 48 * 3);
        }
        assertThatThrownBy(() -> TrainingTiles.builder(ds, ds.trainIds(), 64, 4)
                .augmentation(Augmentations.preset("twenty-third-place")).build())
                .hasMessageContaining("768").hasMessageContaining("larger than");
    }

    @Test
    void deepflash2EpochCentresOneTileInEveryGlomerulusThenPdfTiles() throws Exception {
        TrainingTiles t = tiles("deepflash2-style", "data.tile_size=128", "data.reduce=2", "data.tiles_per_epoch=50");
        List<SlideTile> epoch = t.epoch(0);
        int glomeruli = 0;
        for (String id : ds.trainIds()) {
            List<Polygon> polys = KaggleFiles.readGlomeruli(dir.resolve("train").resolve(id + ".json"));
            glomeruli += polys.size();
            for (Polygon p : polys) {
                double cx = java.util.Arrays.stream(p.xs()).average().orElseThrow();
                double cy = java.util.Arrays.stream(p.ys()).average().orElseThrow();
                assertThat(epoch.stream().anyMatch(s -> s.slideId().equals(id) && s.region().min(0) <= cx
                        && cx <= s.region().max(0) && s.region().min(1) <= cy && cy <= s.region().max(1)))
                        .as("glomerulus at (%.0f, %.0f) of %s", cx, cy, id).isTrue();
            }
        }
        assertThat(glomeruli).isGreaterThan(5);
        assertThat(epoch.size()).isBetween(50 + glomeruli - 3, 50 + glomeruli); // touching glomeruli share a tile
        TrainingTiles plain = tiles("deepflash2-style", "data.tile_size=128", "data.reduce=2",
                "data.tiles_per_epoch=50", "data.every_glomerulus=false");
        assertThat(plain.epoch(0)).hasSize(50);
    }
}
