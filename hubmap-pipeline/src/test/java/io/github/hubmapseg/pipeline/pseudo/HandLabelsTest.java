package io.github.hubmapseg.pipeline.pseudo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.kaggle.KaggleFormatException;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.data.SlideTile;
import io.github.hubmapseg.pipeline.data.TrainingTiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pseudo.hand_labels} (3rd place): the hand-labelled slide trains on the given mask with no uncertain region;
 * the other pseudo-labelled slide and the training slides train on what they had. Expected tile masks come from the
 * row-major arrays the labels were drawn from, not from the code under test.
 */
class HandLabelsTest {
    static final int N = 512; // TinyData's slides
    static final int T = 64;  // training tile, reduce 1: an 8 x 8 grid per slide

    /** A row-major N x N mask, 1 in [x0, x1) x [y0, y1). */
    static byte[] rect(int x0, int y0, int x1, int y1) {
        byte[] m = new byte[N * N];
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                m[y * N + x] = 1;
            }
        }
        return m;
    }

    static String rle(byte[] m) {
        return Rle.encode(m, N, N);
    }

    static byte[] window(byte[] m, SlideTile t) {
        int x0 = (int) t.region().min(0);
        int y0 = (int) t.region().min(1);
        byte[] w = new byte[T * T];
        for (int y = 0; y < T; y++) {
            System.arraycopy(m, (y0 + y) * N + x0, w, y * T, T);
        }
        return w;
    }

    static int files;

    static Path csv(Path dir, String... lines) throws IOException {
        Path f = dir.resolve("hand-" + files++ + ".csv");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    @Test
    void theHandLabelledSlideTrainsOnTheGivenMaskWithNoUncertainRegionAndTheOthersAreUnchanged(@TempDir Path dir)
            throws IOException {
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            String t = ds.testIds().get(0);
            String a = ds.trainIds().get(0);
            String b = ds.trainIds().get(1);
            byte[] pseudoT = rect(0, 0, 256, N);
            byte[] uncT = rect(256, 256, N, N);    // a quadrant: 16 tiles mostly uncertain
            byte[] pseudoA = rect(300, 10, 420, 90);
            byte[] uncA = rect(0, 0, 256, 256);
            byte[] hand = rect(100, 50, 400, 150);
            Map<String, String> masks = new LinkedHashMap<>(Map.of(t, rle(pseudoT), a, rle(pseudoA)));
            Map<String, String> unc = new LinkedHashMap<>(Map.of(t, rle(uncT), a, rle(uncA)));
            PseudoLabels pseudo = new PseudoLabels(masks, unc, 0.05);
            HandLabels h = HandLabels.load(csv(dir, "id,encoding", t + "," + rle(hand)), ds, List.of(t, a));
            assertThat(h.ids()).containsExactly(t);
            PseudoLabels labels = pseudo.withHandLabels(h);
            assertThat(labels.masks().get(a)).isEqualTo(rle(pseudoA));
            assertThat(labels.uncertain().get(a)).isEqualTo(rle(uncA));

            // control: with the pseudo-labels alone, the uncertain quadrant of t drops 16 of its 64 tiles
            try (CompetitionDataset p = ds.withPseudoLabels(pseudo)) {
                TrainingTiles tiles = TrainingTiles.builder(p, List.of(t), T, 1).build();
                assertThat(tiles.gridTiles()).hasSize(48);
                assertThat(masksOf(tiles, tiles.gridTiles().get(0))).isEqualTo(window(pseudoT, tiles.gridTiles().get(0)));
            }
            try (CompetitionDataset p = ds.withPseudoLabels(labels)) {
                TrainingTiles tiles = TrainingTiles.builder(p, List.of(t, a, b), T, 1).build();
                Map<String, Integer> count = new LinkedHashMap<>();
                long handPixels = 0;
                for (SlideTile tile : tiles.gridTiles()) {
                    count.merge(tile.slideId(), 1, Integer::sum);
                    byte[] got = masksOf(tiles, tile);
                    byte[] want;
                    if (tile.slideId().equals(t)) {
                        want = window(hand, tile);
                        for (byte v : got) {
                            handPixels += v;
                        }
                    } else if (tile.slideId().equals(a)) {
                        want = window(pseudoA, tile);
                    } else {
                        want = ds.maskWindow(b, tile.region(), 1); // train.csv, through the dataset without labels
                    }
                    assertThat(got).as("training mask of %s", tile).isEqualTo(want);
                }
                // every tile of the hand-labelled slide is kept (no uncertain region); a still loses its quadrant
                assertThat(count).containsEntry(t, 64).containsEntry(a, 48).containsEntry(b, 64);
                assertThat(handPixels).isEqualTo(300L * 100);
                assertThat(p.hasIgnoredRegion(t)).isTrue();
                assertThat(p.ignoredFraction(t, new net.imglib2.FinalInterval(N, N))).isZero();
            }
        }
    }

    @Test
    void hostileFilesAreRefusedInOneLineNamingTheValue(@TempDir Path dir) throws IOException {
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            String t = ds.testIds().get(0);
            String a = ds.trainIds().get(0);
            List<String> sources = List.of(t);
            String ok = rle(rect(0, 0, 10, 10));
            List<Object[]> cases = new ArrayList<>();
            cases.add(new Object[] {dir.resolve("missing.csv"), "no file at"});
            cases.add(new Object[] {csv(dir, "id,encoding", a + "," + ok),
                    "slide '" + a + "'", "is not a pseudo-label source", t});
            cases.add(new Object[] {csv(dir, "id,encoding", t + "," + (N * N - 5) + " 10"),
                    "slide '" + t + "'", "512x512"});
            cases.add(new Object[] {csv(dir, "id,encoding"), "has no rows"});
            for (Object[] c : cases) {
                Path f = (Path) c[0];
                assertThatThrownBy(() -> HandLabels.load(f, ds, sources)).as("%s", List.of(c))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("pseudo.hand_labels")
                        .satisfies(e -> {
                            assertThat(e.getMessage()).doesNotContain("\n");
                            for (int i = 1; i < c.length; i++) {
                                assertThat(e.getMessage()).contains((String) c[i]);
                            }
                        });
            }
            Path bad = csv(dir, "id,encoding", t + ",1 x");
            assertThatThrownBy(() -> HandLabels.load(bad, ds, sources)).isInstanceOf(KaggleFormatException.class)
                    .hasMessageContaining("1 x");
            Path twice = csv(dir, "id,encoding", t + "," + ok, t + "," + ok);
            assertThatThrownBy(() -> HandLabels.load(twice, ds, sources)).isInstanceOf(KaggleFormatException.class)
                    .hasMessageContaining("duplicate id");
            Path noCol = csv(dir, "id,predicted", t + "," + ok);
            assertThatThrownBy(() -> HandLabels.load(noCol, ds, sources)).isInstanceOf(KaggleFormatException.class)
                    .hasMessageContaining("encoding");
        }
    }

    private static byte[] masksOf(TrainingTiles tiles, SlideTile tile) throws IOException {
        float[] img = new float[T * T * 4];
        float[] m = new float[T * T];
        tiles.load(tile, null, img, m, 0);
        byte[] b = new byte[m.length];
        for (int i = 0; i < m.length; i++) {
            b[i] = (byte) m[i];
        }
        return b;
    }
}
