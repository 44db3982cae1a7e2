package io.github.hubmapseg.tiling.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.slide.InMemoryImageSource;
import io.github.hubmapseg.tiling.TissueMask;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;
import net.imglib2.util.Intervals;
import org.junit.jupiter.api.Test;

class SamplersTest {

    static List<Interval> list(Iterator<Interval> it) {
        List<Interval> l = new ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }

    static String str(List<Interval> l) {
        StringBuilder b = new StringBuilder();
        for (Interval i : l) {
            b.append(Intervals.toString(i));
        }
        return b.toString();
    }

    @Test
    void gridCoversTheImageWithPaddedEdgeTilesAndTheShiftedGridIsOffsetByHalf() {
        GridTiles g = GridTiles.regular(1000, 700, 256, 2); // side 512
        List<Interval> t = list(g.tiles(0));
        assertThat(t).hasSize(4);
        assertThat(t.get(3).min(0)).isEqualTo(512);
        assertThat(t.get(3).max(1)).isEqualTo(1023); // past the image: padded by the reader
        GridTiles s = GridTiles.shifted(1000, 700, 256, 2);
        List<Interval> u = list(s.tiles(0));
        assertThat(u).hasSize(2);
        assertThat(u.get(0).min(0)).isEqualTo(256);
        assertThat(u.get(0).min(1)).isEqualTo(256);
        assertThatThrownBy(() -> GridTiles.regular(10, 10, 0, 2)).hasMessage("tileSize must be > 0, got 0");
        assertThatThrownBy(() -> GridTiles.regular(10, 10, 4, 0)).hasMessage("reduce must be >= 1, got 0");
    }

    @Test
    void tissueFilterUsesTheThumbnailSaturation() throws Exception {
        // left half grey (no saturation), right half pink (saturated)
        int w = 128;
        int h = 64;
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean pink = x >= 64;
                px[x + w * y] = (byte) (pink ? 230 : 200);
                px[x + w * (y + h)] = (byte) (pink ? 120 : 200);
                px[x + w * (y + 2 * h)] = (byte) (pink ? 180 : 200);
            }
        }
        InMemoryImageSource src = new InMemoryImageSource(px, w, h, 3);
        TissueMask sat = TissueMask.bySaturation(src, 8, 40);
        TissueMask otsu = TissueMask.byOtsu(src, 8);
        for (TissueMask m : List.of(sat, otsu)) {
            TileSource kept = GridTiles.regular(w, h, 32, 1).filter(i -> m.fraction(i) >= 0.5);
            List<Interval> t = list(kept.tiles(1));
            assertThat(t).hasSize(4).allSatisfy(i -> assertThat(i.min(0)).isGreaterThanOrEqualTo(64));
        }
        assertThat(TissueMask.otsu(new int[] {10, 10, 10, 200, 200})).isBetween(10, 199);
    }

    @Test
    void balancedSamplerDrawsEveryMaskedAreaBinAndTheEmptyTilesEqually() {
        List<Interval> cand = new ArrayList<>();
        Map<Interval, Long> area = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            Interval t = FinalInterval.createMinSize(i * 10L, 0, 10, 10);
            cand.add(t);
            // 150 empty tiles, 50 masked ones with skewed areas 1, 4, ..., 2500
            area.put(t, i < 150 ? 0L : (long) (i - 149) * (i - 149));
        }
        BalancedSampler s = new BalancedSampler(cand, area::get, 4, 10000);
        assertThat(s.bins()).isEqualTo(4);
        assertThat(s.hasEmptyBin()).isTrue();
        // the test's own equal-width binning over (0, 2500]: -1 for empty, else ceil(4 a / max) - 1
        java.util.function.ToIntFunction<Interval> binOf = t -> area.get(t) == 0 ? -1
                : (int) Math.ceil(4.0 * area.get(t) / 2500.0) - 1;
        long[] grid = new long[5];
        cand.forEach(t -> grid[binOf.applyAsInt(t) + 1]++);
        assertThat(grid).containsExactly(150, 25, 10, 8, 7); // the grid: dominated by empty and small-area tiles
        List<Interval> epoch = list(s.tiles(3));
        assertThat(epoch).hasSize(10000);
        long[] drawn = new long[5];
        epoch.forEach(t -> drawn[binOf.applyAsInt(t) + 1]++);
        assertThat(drawn).containsExactly(2000, 2000, 2000, 2000, 2000); // flat over the bins
        // within a bin draws are uniform: each of the 7 largest tiles about 2000 / 7 times
        for (Interval t : s.bin(3)) {
            assertThat(epoch.stream().filter(t::equals).count()).isBetween(200L, 380L);
        }
        assertThat(str(list(s.tiles(3)))).isEqualTo(str(epoch));
        assertThat(str(list(s.tiles(4)))).isNotEqualTo(str(epoch));
        // without empty candidates the masked bins share the epoch
        BalancedSampler masked = new BalancedSampler(cand.subList(150, 200), area::get, 4, 100);
        assertThat(masked.hasEmptyBin()).isFalse();
        assertThat(list(masked.tiles(1))).allSatisfy(t -> assertThat(area.get(t)).isPositive());
    }

    @Test
    void foregroundCropsRetryAndStopAfterTheBudget() {
        Interval fg = FinalInterval.createMinSize(900, 900, 50, 50);
        int[] calls = new int[1];
        ForegroundCrops crops = new ForegroundCrops(1000, 1000, 100, 50, 1000, r -> {
            calls[0]++;
            return !Intervals.isEmpty(Intervals.intersect(r, fg));
        });
        List<Interval> l = list(crops.tiles(9));
        assertThat(l).hasSize(50).allSatisfy(r -> assertThat(Intervals.isEmpty(Intervals.intersect(r, fg))).isFalse());
        assertThat(str(list(crops.tiles(9)))).isEqualTo(str(l));
        calls[0] = 0;
        ForegroundCrops none = new ForegroundCrops(1000, 1000, 100, 5, 7, r -> {
            calls[0]++;
            return false;
        });
        assertThat(list(none.tiles(1))).hasSize(5);
        assertThat(calls[0]).isEqualTo(5 * 8);
        assertThatThrownBy(() -> new ForegroundCrops(100, 50, 64, 1, 1, r -> true))
                .hasMessageContaining("crop must be in 1..50");
    }

    @Test
    void pdfSamplerNeverDrawsZeroWeightAndIsDeterministic() {
        byte[] mask = new byte[100];
        byte[] regions = new byte[100];
        mask[55] = 1;
        for (int k = 0; k < 50; k++) {
            regions[k] = 1;
        }
        PdfSampler s = new PdfSampler(mask, regions, 10, 10, 10.0, new double[] {0, 1, 0}, 4);
        assertThat(s.totalWeight()).isEqualTo(60.0);
        SplittableRandom rng = new SplittableRandom(1);
        int fg = 0;
        for (int i = 0; i < 60000; i++) {
            int c = s.drawCell(rng);
            assertThat(c == 55 || c < 50).isTrue();
            fg += c == 55 ? 1 : 0;
        }
        assertThat(fg / 60000.0).isCloseTo(10 / 60.0, org.assertj.core.data.Offset.offset(0.01));
        List<Interval> a = list(s.tiles(5, 20, 64));
        assertThat(str(list(s.tiles(5, 20, 64)))).isEqualTo(str(a));
        for (Interval t : a) {
            long cx = t.min(0) + 32;
            long cy = t.min(1) + 32;
            int cell = (int) (cy / 4 * 10 + cx / 4);
            assertThat(cell == 55 || cell < 50).isTrue();
        }
        assertThatThrownBy(() -> new PdfSampler(new byte[4], null, 2, 2, 1, new double[] {0, 1, 1}, 1))
                .hasMessageContaining("every cell has weight 0");
        assertThatThrownBy(() -> new PdfSampler(new byte[4], null, 2, 2, -1, new double[] {0, 1, 1}, 1))
                .hasMessageContaining("fgWeight must be a finite number >= 0, got -1.0");
    }

    @Test
    void epochVisitsEveryGlomerulusThenDrawsFromThePdf() {
        byte[] mask = new byte[20 * 10];
        mask[0] = 1;
        mask[1] = 1;
        mask[5 * 20 + 10] = 1;
        mask[6 * 20 + 11] = 1; // diagonal neighbour: same component
        mask[9 * 20 + 19] = 1;
        PdfSampler s = new PdfSampler(mask, null, 20, 10, 1.0, new double[] {0.1, 0, 0}, 1);
        assertThat(s.componentCount()).isEqualTo(3);
        List<Interval> e = list(s.epoch(2, 7, 4));
        assertThat(e).hasSize(10);
        long[][] centres = new long[3][];
        for (int i = 0; i < 3; i++) {
            centres[i] = new long[] {e.get(i).min(0) + 2, e.get(i).min(1) + 2};
        }
        assertThat(centres[0][1]).isZero();
        assertThat(centres[0][0]).isBetween(0L, 1L);
        assertThat(centres[1][1]).isBetween(5L, 6L);
        assertThat(centres[2]).containsExactly(19, 9);
        assertThat(str(list(s.epoch(2, 7, 4)))).isEqualTo(str(e));
    }
}
