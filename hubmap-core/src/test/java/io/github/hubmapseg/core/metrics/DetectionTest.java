package io.github.hubmapseg.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DetectionTest {

    private static final int H = 40;
    private static final int W = 60;

    private static byte[] mask() {
        return new byte[H * W];
    }

    private static void rect(byte[] m, int x0, int y0, int w, int h) {
        for (int y = y0; y < y0 + h; y++) {
            for (int x = x0; x < x0 + w; x++) {
                m[y * W + x] = 1;
            }
        }
    }

    private static RleRuns runs(byte[] m) {
        return Rle.parse(Rle.encode(m, H, W), H, W);
    }

    @Test
    void componentsAreFourConnectedAndMatchAFloodFill() {
        byte[] m = mask();
        rect(m, 2, 2, 5, 5);
        rect(m, 7, 7, 3, 3); // touches the first only at a corner: a separate component
        rect(m, 20, 0, 2, 40); // a full column pair: runs continue from one column into the next
        rect(m, 30, 10, 10, 2);
        rect(m, 38, 10, 2, 10); // an L with the previous one
        Components c = Components.of(runs(m));
        assertThat(c.count()).isEqualTo(4);
        assertThat(c.area(0)).isEqualTo(25);
        assertThat(c.area(1)).isEqualTo(9);
        assertThat(c.area(2)).isEqualTo(80);
        assertThat(c.area(3)).isEqualTo(20 + 16);
        // random masks against a breadth-first flood fill (independent of the run code)
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < 50; t++) {
            byte[] q = mask();
            for (int i = 0; i < q.length; i++) {
                q[i] = (byte) (r.nextDouble() < 0.45 ? 1 : 0);
            }
            long[] areas = floodAreas(q);
            Components k = Components.of(runs(q));
            assertThat(k.count()).isEqualTo(areas.length);
            long[] got = new long[k.count()];
            for (int i = 0; i < got.length; i++) {
                got[i] = k.area(i);
            }
            java.util.Arrays.sort(got);
            java.util.Arrays.sort(areas);
            assertThat(got).isEqualTo(areas);
        }
    }

    @Test
    void matchingCountsHitsMissesSplitsAndFalsePositivesOnLookalikes() {
        byte[] truth = mask();
        rect(truth, 0, 0, 10, 10);   // A: predicted exactly
        rect(truth, 20, 0, 10, 10);  // B: predicted shifted by 5 columns: IoU 50 / 150 = 1/3, missed
        rect(truth, 40, 0, 10, 10);  // C: predicted as two halves: IoU 1/2 each? no: 50 / 100 = 0.5, one matches
        byte[] pred = mask();
        rect(pred, 0, 0, 10, 10);
        rect(pred, 25, 0, 10, 10);
        rect(pred, 40, 0, 5, 10);
        rect(pred, 46, 0, 4, 10);    // second half, IoU 0.4: unmatched
        rect(pred, 0, 25, 8, 8);     // a false positive on an artery
        rect(pred, 20, 25, 8, 8);    // a false positive on nothing
        byte[] artery = mask();
        rect(artery, 0, 24, 12, 12);
        Detection.Counts c = Detection.match(runs(truth), runs(pred), 0.5, Map.of("artery", runs(artery)));
        assertThat(c.truth()).isEqualTo(3);
        assertThat(c.predicted()).isEqualTo(6);
        assertThat(c.matched()).isEqualTo(2);
        assertThat(c.recall()).isEqualTo(2 / 3.0);
        assertThat(c.precision()).isEqualTo(2 / 6.0);
        assertThat(c.falsePositivesOn()).containsEntry("artery", 1);
        // a stricter threshold loses the half match, a looser one gains the shifted one
        assertThat(Detection.match(runs(truth), runs(pred), 0.6, Map.of()).matched()).isEqualTo(1);
        assertThat(Detection.match(runs(truth), runs(pred), 0.3, Map.of()).matched()).isEqualTo(3);
        // one prediction never matches two glomeruli
        byte[] big = mask();
        rect(big, 0, 0, 30, 10);
        byte[] two = mask();
        rect(two, 0, 0, 14, 10);
        rect(two, 16, 0, 14, 10);
        assertThat(Detection.match(runs(two), runs(big), 0.4, Map.of()).matched()).isEqualTo(1);
        Detection.Counts empty = Detection.match(runs(mask()), runs(mask()), 0.5, Map.of());
        assertThat(empty.recall()).isEqualTo(1);
        assertThat(empty.precision()).isEqualTo(1);
        assertThatThrownBy(() -> Detection.match(runs(truth), runs(pred), 0, Map.of()))
                .hasMessageContaining("got 0.0");
        assertThatThrownBy(() -> Detection.match(runs(truth), Rle.parse("", 10, 10), 0.5, Map.of()))
                .hasMessageContaining("10x10");
    }

    @Test
    void bootstrapUnitsPoolToTheImageDice() {
        SplittableRandom r = new SplittableRandom(5);
        for (int t = 0; t < 30; t++) {
            byte[] a = mask();
            byte[] b = mask();
            for (int k = 0; k < 6; k++) {
                int x = r.nextInt(W - 10);
                int y = r.nextInt(H - 10);
                rect(a, x, y, 2 + r.nextInt(8), 2 + r.nextInt(8));
                rect(b, Math.min(W - 10, x + r.nextInt(3)), y, 2 + r.nextInt(8), 2 + r.nextInt(8));
            }
            List<long[]> units = Detection.units(runs(a), runs(b));
            long i = 0;
            long p = 0;
            long q = 0;
            for (long[] u : units) {
                i += u[0];
                p += u[1];
                q += u[2];
                assertThat(u[0]).isLessThanOrEqualTo(Math.min(u[1], u[2]));
            }
            DiceCounts d = Dice.counts(runs(b), runs(a));
            assertThat(new long[] {i, p, q}).containsExactly(d.intersection(), d.predSum(), d.truthSum());
            assertThat(units.size()).isLessThanOrEqualTo(Components.of(runs(a)).count()
                    + Components.of(runs(b)).count());
        }
    }

    private static long[] floodAreas(byte[] m) {
        boolean[] seen = new boolean[m.length];
        java.util.List<Long> out = new java.util.ArrayList<>();
        for (int s = 0; s < m.length; s++) {
            if (m[s] == 0 || seen[s]) {
                continue;
            }
            long n = 0;
            ArrayDeque<Integer> q = new ArrayDeque<>();
            q.add(s);
            seen[s] = true;
            while (!q.isEmpty()) {
                int p = q.poll();
                n++;
                int x = p % W;
                int y = p / W;
                int[][] nb = {{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}};
                for (int[] v : nb) {
                    if (v[0] >= 0 && v[0] < W && v[1] >= 0 && v[1] < H) {
                        int k = v[1] * W + v[0];
                        if (m[k] != 0 && !seen[k]) {
                            seen[k] = true;
                            q.add(k);
                        }
                    }
                }
            }
            out.add(n);
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }
}
