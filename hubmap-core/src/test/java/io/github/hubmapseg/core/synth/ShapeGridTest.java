package io.github.hubmapseg.core.synth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShapeGridTest {

    /**
     * {@link ShapeGrid#block} may drop a shape only where a renderer taking the first shape that holds a pixel (and
     * the others' rings below the limit) cannot tell: at every pixel of the block, the first shape of the full
     * query that holds it, and every shape before that one whose ring holds it, are in the block's list, in order.
     */
    @Test
    void blockKeepsEveryShapeThatCanDecideAPixel() {
        SplittableRandom r = new SplittableRandom(8);
        int dropped = 0;
        int covered = 0;
        for (int t = 0; t < 20; t++) {
            List<StarShape> shapes = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                double ra = 20 + 200 * r.nextDouble();
                shapes.add(new StarShape(1024 * r.nextDouble(), 1024 * r.nextDouble(), ra, ra * (0.7 + 0.3 * r.nextDouble()),
                        3 * r.nextDouble(), new double[] {0.1 * (r.nextDouble() - 0.5), 0.06 * (r.nextDouble() - 0.5)},
                        new double[] {6 * r.nextDouble(), 6 * r.nextDouble()}));
            }
            StarShape[] arr = shapes.toArray(new StarShape[0]);
            double grow = 1.06 + 0.1 * r.nextDouble();
            double limit = 1 + (grow - 1) * r.nextDouble();
            ShapeGrid grid = new ShapeGrid(shapes, grow, 1024, 1024, 128);
            for (int b = 0; b < 30; b++) {
                long x0 = r.nextInt(1024 - 64);
                long y0 = r.nextInt(1024 - 64);
                int[] all = grid.query(x0, y0, x0 + 64, y0 + 64, new int[4]);
                int[] all2 = Arrays.copyOf(all, all[0] + 1);
                int[] kept = grid.block(arr, x0, y0, 64, 64, grow, limit, new int[4]);
                List<Integer> keptList = new ArrayList<>();
                for (int k = 1; k <= kept[0]; k++) {
                    keptList.add(kept[k]);
                }
                dropped += all2[0] - kept[0];
                for (int j = 0; j < 64; j += 3) {
                    for (int i = 0; i < 64; i += 3) {
                        double px = x0 + i + 0.5;
                        double py = y0 + j + 0.5;
                        List<Integer> deciding = new ArrayList<>();
                        for (int k = 1; k <= all2[0]; k++) {
                            double lev = arr[all2[k]].probe(px, py, limit);
                            if (lev != StarShape.FAR) {
                                deciding.add(all2[k]);
                            }
                            if (lev >= 0) {
                                covered++;
                                break;
                            }
                        }
                        // in order: the kept list holds them as a subsequence
                        int from = 0;
                        for (int id : deciding) {
                            int pos = keptList.subList(from, keptList.size()).indexOf(id);
                            assertThat(pos).as("shape %d at (%s, %s)", id, px, py).isNotNegative();
                            from += pos + 1;
                        }
                    }
                }
            }
        }
        assertThat(dropped).as("the test exercises the dropping").isGreaterThan(100);
        assertThat(covered).isGreaterThan(1000);
    }
}
