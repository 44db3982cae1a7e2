package io.github.hubmapseg.pipeline.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.folds.FoldItem;
import java.nio.file.Path;
import java.util.List;
import net.imglib2.FinalInterval;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompetitionDatasetTest {

    @Test
    void idsPatientsAndMasks() throws Exception {
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            assertThat(ds.trainIds()).hasSize(2);
            assertThat(ds.testIds()).hasSize(1);
            for (String id : ds.trainIds()) {
                assertThat(ds.hasMask(id)).isTrue();
                assertThat(ds.slide(id).width()).isEqualTo(512);
                assertThat(ds.info(id)).isPresent();
                assertThat(ds.patient(id)).isEqualTo(Long.toString(ds.info(id).orElseThrow().patientNumber()));
                assertThat(ds.mask(id).area()).isPositive();
            }
            // synthetic test slides have their truth in test_truth.csv
            assertThat(ds.hasMask(ds.testIds().get(0))).isTrue();
            List<FoldItem> items = ds.foldItems(ds.trainIds(), true);
            assertThat(items).extracting(FoldItem::group).doesNotHaveDuplicates();
            assertThat(ds.structures(ds.trainIds().get(0))).isNotEmpty();
        }
    }

    /** A real folder's .tif slides and its external/ slides are read through the competition layout. */
    @Test
    void readsTifSlidesAndExternalSlides(@TempDir Path d) throws Exception {
        io.github.hubmapseg.core.synth.SyntheticDataset.builder(d).slides(3).size(512, 384).patients(2).seed(7)
                .threads(1).testSlides(1).build().write(new io.github.hubmapseg.core.synth.SyntheticDataset.Listener() {
                });
        String train;
        String test;
        try (CompetitionDataset ds = CompetitionDataset.open(d)) {
            train = ds.trainIds().get(0);
            test = ds.testIds().get(0);
        }
        // a training slide as .tif, the test slide moved to external/ as .tif with its anatomy, the sample
        // submission gone (test ids then come from test/)
        java.nio.file.Files.move(d.resolve("train/" + train + ".tiff"), d.resolve("train/" + train + ".tif"));
        java.nio.file.Files.createDirectories(d.resolve("external"));
        java.nio.file.Files.move(d.resolve("test/" + test + ".tiff"), d.resolve("external/" + test + ".tif"));
        java.nio.file.Files.move(d.resolve("test/" + test + "-anatomical-structure.json"),
                d.resolve("external/" + test + "-anatomical-structure.json"));
        java.nio.file.Files.delete(d.resolve("sample_submission.csv"));
        try (CompetitionDataset ds = CompetitionDataset.open(d)) {
            assertThat(ds.slidePath(train)).isEqualTo(d.resolve("train/" + train + ".tif"));
            assertThat(ds.slide(train).width()).isEqualTo(512);
            assertThat(ds.mask(train).area()).isPositive();
            assertThat(ds.externalIds()).containsExactly(test);
            assertThat(ds.testIds()).isEmpty();
            assertThat(ds.slide(test).height()).isEqualTo(384);
            assertThat(ds.structures(test)).isNotEmpty();
        }
    }

    @Test
    void windowsEqualCropsOfTheFullDecode() throws Exception {
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            String id = ds.trainIds().get(0);
            RleRuns runs = ds.mask(id);
            byte[] full = Rle.decode(runs);
            int w = runs.width();
            int h = runs.height();
            int[][] windows = {{0, 0, 64, 64}, {100, 37, 200, 90}, {-20, -10, 64, 64}, {480, 490, 64, 64}};
            for (int[] win : windows) {
                FinalInterval iv = FinalInterval.createMinSize(win[0], win[1], win[2], win[3]);
                byte[] crop = new byte[win[2] * win[3]];
                for (int y = 0; y < win[3]; y++) {
                    for (int x = 0; x < win[2]; x++) {
                        int fx = win[0] + x;
                        int fy = win[1] + y;
                        crop[y * win[2] + x] = fx >= 0 && fy >= 0 && fx < w && fy < h ? full[fy * w + fx] : 0;
                    }
                }
                assertThat(ds.maskWindow(id, iv, 1)).as("window %s", iv).isEqualTo(crop);
                assertThat(ds.maskWindow(id, iv, 2)).isEqualTo(CompetitionDataset.reduceMask(crop, win[2], win[3], 2));
            }
        }
    }

    @Test
    void reduceMaskIsMajorityOfEachBlock() {
        byte[] m = {
            1, 1, 0, 0, 1,
            1, 0, 0, 0, 1,
            0, 0, 1, 1, 0};
        // blocks 2x2: (1,1,1,0)=3/4 -> 1; (0,0,0,0) -> 0; (1,1)=2 of 4 -> 1 (half counts); row 2: (0,0)->0, (1,1)->1, (0)->0
        assertThat(CompetitionDataset.reduceMask(m, 5, 3, 2)).containsExactly(1, 0, 1, 0, 1, 0);
        assertThatThrownBy(() -> CompetitionDataset.reduceMask(m, 5, 3, 0)).hasMessageContaining("reduce must be >= 1");
    }

    @Test
    void notACompetitionFolder(@TempDir Path empty) {
        assertThatThrownBy(() -> CompetitionDataset.open(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("train.csv is missing");
    }
}
