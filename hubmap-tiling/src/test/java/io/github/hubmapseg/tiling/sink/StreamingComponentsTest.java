package io.github.hubmapseg.tiling.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/**
 * The labelling ComponentFilter and EnergyFilter share, against a flood fill (8-connectivity): every row comes out
 * once and in order, and a component decided by being closed has its final pixel count, weight sum and bounding
 * box, also across label-table compactions (many small components over many rows).
 */
class StreamingComponentsTest {

    /** Per pixel: the flood-fill component id (-1 background); per component: count, weight sum, bounds. */
    private static List<long[]> floodFill(byte[] m, int[] weight, int w, int h, int[] id) {
        java.util.Arrays.fill(id, -1);
        List<long[]> comps = new ArrayList<>();
        int[] stack = new int[w * h];
        for (int s = 0; s < w * h; s++) {
            if (m[s] == 0 || id[s] >= 0) {
                continue;
            }
            long[] c = {0, 0, Long.MAX_VALUE, Long.MAX_VALUE, -1, -1}; // count, sum, minX, minY, maxX, maxY
            int sp = 0;
            stack[sp++] = s;
            id[s] = comps.size();
            while (sp > 0) {
                int p = stack[--sp];
                int x = p % w;
                int y = p / w;
                c[0]++;
                c[1] += weight[p];
                c[2] = Math.min(c[2], x);
                c[3] = Math.min(c[3], y);
                c[4] = Math.max(c[4], x);
                c[5] = Math.max(c[5], y);
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx;
                        int yy = y + dy;
                        if (xx >= 0 && yy >= 0 && xx < w && yy < h && m[yy * w + xx] != 0 && id[yy * w + xx] < 0) {
                            id[yy * w + xx] = comps.size();
                            stack[sp++] = yy * w + xx;
                        }
                    }
                }
            }
            comps.add(c);
        }
        return comps;
    }

    private static void check(long seed, int w, int h, double density, long openMin) throws Exception {
        Random r = new Random(seed);
        byte[] m = new byte[w * h];
        int[] weight = new int[w * h];
        for (int i = 0; i < m.length; i++) {
            m[i] = (byte) (r.nextDouble() < density ? 1 : 0);
            weight[i] = r.nextInt(100);
        }
        int[] id = new int[w * h];
        List<long[]> ref = floodFill(m, weight, w, h, id);
        StreamingComponents<Long> c = new StreamingComponents<>(w);
        IntPredicate decidedWhileOpen = root -> openMin > 0 && c.count(root) >= openMin;
        long[] nextRow = {0};
        int[] reports = new int[ref.size()];
        StreamingComponents.RowOut<Long> out = (y, row, start, end, root, n) -> {
            assertThat(y).isEqualTo(nextRow[0]).isEqualTo(row);
            nextRow[0]++;
            for (int k = 0; k < n; k++) {
                long[] e = ref.get(id[(int) (y * w + start[k])]);
                for (int x = start[k]; x < end[k]; x++) {
                    assertThat(m[(int) (y * w + x)]).isEqualTo((byte) 1);
                }
                if (c.count(root[k]) < openMin || openMin == 0) {
                    // decided by being closed: its statistics are final
                    assertThat(c.count(root[k])).isEqualTo(e[0]);
                    assertThat(c.sum(root[k])).isEqualTo((double) e[1]);
                    assertThat(c.bounds(root[k])).containsExactly(e[2], e[3], e[4], e[5]);
                    if (c.firstReport(root[k])) {
                        reports[id[(int) (y * w + start[k])]]++;
                    }
                } else {
                    assertThat(e[0]).isGreaterThanOrEqualTo(openMin);
                }
            }
        };
        for (int y = 0; y < h; y++) {
            byte[] row = java.util.Arrays.copyOfRange(m, y * w, (y + 1) * w);
            int base = y * w;
            c.add(y, (long) y, row, x -> weight[base + x]);
            c.flush(false, decidedWhileOpen, out);
        }
        c.flush(true, decidedWhileOpen, out);
        assertThat(nextRow[0]).isEqualTo(h);
        if (openMin == 0) {
            assertThat(reports).containsOnly(1); // every component reported exactly once
        }
    }

    @Test
    void closedComponentsHaveTheirFloodFillStatistics() throws Exception {
        check(1, 37, 60, 0.45, 0);
        check(2, 64, 64, 0.6, 0);
    }

    @Test
    void statisticsSurviveLabelCompaction() throws Exception {
        // sparse pixels over many rows: thousands of labels; large components are decided while open so the buffer
        // stays short and the table is compacted rather than grown
        check(3, 200, 600, 0.2, 6);
        check(4, 200, 600, 0.15, 0);
    }
}
