package io.github.hubmapseg.pipeline.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.kaggle.AnatomicalStructure;
import io.github.hubmapseg.core.kaggle.Polygon;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.pipeline.HandData;
import io.github.hubmapseg.pipeline.config.Recipes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PdfSamplingTest {
    static final int N = HandData.SIZE;

    @Test
    void tileCentresLandInGlomeruliCortexMedullaAndBackgroundAtTheDensitysFrequencies(@TempDir Path dir)
            throws IOException {
        HandData.write(dir);
        int cell = 8;
        double fgW = 1;
        double cortexW = 0.5;
        double medullaW = 0.25;
        double floor = 0.1;
        // expected mass per class, from the hand-made geometry: cortex = x < 128, medulla = x, y >= 128,
        // other = top-right quadrant; a cell is glomerulus if any of its pixels is
        byte[] mask = HandData.mask(0);
        int cells = N / cell;
        double[] mass = new double[4]; // glomerulus, cortex, medulla, other
        boolean[] fgCell = new boolean[cells * cells];
        for (int cy = 0; cy < cells; cy++) {
            for (int cx = 0; cx < cells; cx++) {
                boolean fg = false;
                for (int y = cy * cell; y < (cy + 1) * cell; y++) {
                    for (int x = cx * cell; x < (cx + 1) * cell; x++) {
                        fg |= mask[y * N + x] != 0;
                    }
                }
                fgCell[cy * cells + cx] = fg;
                int k = fg ? 0 : cls(cx * cell, cy * cell);
                mass[k] += k == 0 ? fgW : k == 1 ? cortexW : k == 2 ? medullaW : floor;
            }
        }
        double total = mass[0] + mass[1] + mass[2] + mass[3];
        try (CompetitionDataset ds = CompetitionDataset.open(dir)) {
            int draws = 4000;
            TrainingTiles tiles = TrainingTiles.builder(ds, List.of("a"), 16, 2).sampling("pdf").epochSize(draws)
                    .emptyFraction(0).pdf(new PdfWeights(fgW, cortexW, medullaW, floor, cell, 0)).build();
            int[] hits = new int[4];
            int inGlomerulusPixel = 0;
            for (SlideTile t : tiles.epoch(0)) {
                long cx = t.region().min(0) + 16;
                long cy = t.region().min(1) + 16;
                boolean fg = fgCell[(int) (cy / cell) * cells + (int) (cx / cell)];
                hits[fg ? 0 : cls(cx, cy)]++;
                inGlomerulusPixel += mask[(int) (cy * N + cx)];
            }
            for (int k = 0; k < 4; k++) {
                double p = mass[k] / total;
                double sigma = Math.sqrt(p * (1 - p) / draws);
                assertThat(hits[k] / (double) draws).as("class %d", k).isCloseTo(p, org.assertj.core.data.Offset.offset(
                        4 * sigma + 1e-9));
            }
            // most glomerulus-cell draws fall on glomerulus pixels themselves (cells are small)
            assertThat(inGlomerulusPixel).isGreaterThan(hits[0] / 2);
        }
    }

    private static int cls(long x, long y) {
        return x < N / 2 ? 1 : y >= N / 2 ? 2 : 3;
    }

    @Test
    void foregroundMapIsMaxPooledAndDilatedWithADisk() {
        byte[] m = new byte[64 * 64];
        m[20 * 64 + 33] = 1; // pixel (33, 20) -> cell (4, 2) at cell 8
        RleRuns runs = Rle.runs(m, 64, 64);
        byte[] pooled = PdfMaps.foreground(runs, 8, 0);
        assertThat(pooled[2 * 8 + 4]).isEqualTo((byte) 1);
        assertThat(sum(pooled)).isEqualTo(1);
        byte[] dilated = PdfMaps.foreground(runs, 8, 16); // radius 2 cells: 13 cells of a digital disk
        assertThat(sum(dilated)).isEqualTo(13);
        assertThat(dilated[2 * 8 + 6]).isEqualTo((byte) 1);
        assertThat(dilated[4 * 8 + 5]).isEqualTo((byte) 0);
    }

    @Test
    void regionsRasteriseLikePointInPolygonAtCellCentresMedullaOverCortex() {
        Polygon tri = new Polygon(new double[] {5, 250, 30}, new double[] {3, 100, 240});
        Polygon sq = HandData.rect(100, 100, 180, 180);
        int cell = 8;
        byte[] r = PdfMaps.regions(List.of(new AnatomicalStructure("Medulla", List.of(sq)),
                new AnatomicalStructure("cortex", List.of(tri)), new AnatomicalStructure("Other", List.of(sq))),
                256, 250, cell);
        int cw = 32;
        int ch = 32;
        assertThat(r).hasSize(cw * ch);
        for (int cy = 0; cy < ch; cy++) {
            for (int cx = 0; cx < cw; cx++) {
                double x = (cx + 0.5) * cell;
                double y = (cy + 0.5) * cell;
                int expected = sq.contains(x, y) ? 2 : tri.contains(x, y) ? 1 : 0;
                assertThat(r[cy * cw + cx]).as("cell (%d, %d)", cx, cy).isEqualTo((byte) expected);
            }
        }
    }

    @Test
    void recipeKeysReachTheWeightsAndAreValidated() {
        var d = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("data.pdf_cell=32", "data.pdf_dilation=64",
                "data.cortex_weight=0.7")).data();
        PdfWeights w = PdfWeights.of(d);
        assertThat(w.cell()).isEqualTo(32);
        assertThat(w.dilation()).isEqualTo(64);
        assertThat(w.cortex()).isEqualTo(0.7);
        assertThatThrownBy(() -> Recipes.withOverrides(Recipes.defaultRecipe(), List.of("data.pdf_cell=0")))
                .hasMessageContaining("data.pdf_cell");
        assertThatThrownBy(() -> new PdfWeights(1, -1, 0, 0, 8, 0)).hasMessageContaining("cortex");
    }

    private static int sum(byte[] a) {
        int s = 0;
        for (byte b : a) {
            s += b;
        }
        return s;
    }
}
