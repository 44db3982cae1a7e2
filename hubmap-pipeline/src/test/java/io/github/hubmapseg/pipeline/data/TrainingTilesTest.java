package io.github.hubmapseg.pipeline.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.augment.Augmentations;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingTilesTest {

    private static List<Batch> all(BatchLoader l) {
        List<Batch> out = new ArrayList<>();
        try (l) {
            while (l.hasNext()) {
                out.add(l.next());
            }
        }
        return out;
    }

    @Test
    void epochsAreDeterministicAndLoadingOrderDoesNotDependOnThreads() throws Exception {
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            for (String sampling : List.of("balanced", "grid", "pdf", "random", "random-positive")) {
                TrainingTiles t = TrainingTiles.builder(ds, ds.trainIds(), 32, 4).sampling(sampling).epochSize(6)
                        .augmentation(Augmentations.light()).normalization(Normalization.scale255(3)).seed(3).build();
                assertThat(t.epoch(0)).as(sampling).hasSize(6).isEqualTo(t.epoch(0));
                List<Batch> one = all(t.batches(1, 4, 1, 1));
                List<Batch> three = all(t.batches(1, 4, 3, 4));
                assertThat(one).hasSize(2);
                assertThat(one.get(1).size()).isEqualTo(2);
                for (int i = 0; i < one.size(); i++) {
                    assertThat(three.get(i).images()).isEqualTo(one.get(i).images());
                    assertThat(three.get(i).masks()).isEqualTo(one.get(i).masks());
                }
            }
        }
    }

    @Test
    void unaugmentedBatchHoldsNormalisedPixelsAndTheMask() throws Exception {
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            Normalization n = new Normalization(new double[] {10, 20, 30}, new double[] {2, 4, 5});
            TrainingTiles t = TrainingTiles.builder(ds, ds.trainIds(), 32, 2).normalization(n).build();
            SlideTile tile = t.gridTiles().get(5);
            Batch b = all(t.plainBatches(List.of(tile), 1, 1, 1)).get(0);
            byte[] px = ds.slide(tile.slideId()).read(tile.region(), 2).update(null).getCurrentStorageArray();
            byte[] m = ds.maskWindow(tile.slideId(), tile.region(), 2);
            for (int i = 0; i < 32 * 32; i += 37) {
                for (int c = 0; c < 3; c++) {
                    float expect = (float) (((px[c * 1024 + i] & 0xFF) - n.mean()[c]) / n.std()[c]);
                    assertThat(b.images()[i * 3 + c]).isCloseTo(expect, org.assertj.core.api.Assertions.within(1e-5f));
                }
                assertThat(b.masks()[i]).isEqualTo(m[i]);
            }
        }
    }

    @Test
    void badOptionsAreNamed() throws Exception {
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            assertThatThrownBy(() -> TrainingTiles.builder(ds, ds.trainIds(), 0, 1).build())
                    .hasMessageContaining("tile must be >= 1, got 0");
            assertThatThrownBy(() -> TrainingTiles.builder(ds, ds.trainIds(), 32, 1).sampling("magic").build())
                    .hasMessageContaining("'magic'");
        }
    }
}
