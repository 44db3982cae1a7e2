package io.github.hubmapseg.losses;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast Lovász hinge (radix sort of packed keys, only positive errors, tie fix-up) against a direct
 * transcription of Berman's reference (boxed sort of all errors) on inputs large enough for the radix path,
 * with near-ties and exact ties.
 */
class LovaszHingeTest {

    /** Berman et al. lovasz_hinge_flat on one group, written plainly. Returns value; fills grad * scale. */
    static double reference(double[] x, double[] y, int off, int n, double[] grad, double scale) {
        Integer[] order = new Integer[n];
        double[] e = new double[n];
        double p = 0;
        for (int i = 0; i < n; i++) {
            order[i] = i;
            e[i] = 1 - x[off + i] * (2 * y[off + i] - 1);
            p += y[off + i];
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -e[i]).thenComparingInt(i -> i));
        double cp = 0;
        double cn = 0;
        double prev = 0;
        double loss = 0;
        for (int r = 0; r < n; r++) {
            int i = order[r];
            cp += y[off + i];
            cn += 1 - y[off + i];
            double j = 1 - (p - cp) / (p + cn);
            double g = j - prev;
            prev = j;
            loss += Math.max(e[i], 0) * g;
            grad[off + i] = e[i] > 0 ? -(2 * y[off + i] - 1) * g * scale : 0;
        }
        return loss;
    }

    private static void compare(BatchShape shape, double[] x, double[] y, boolean perImage) {
        double[] g = new double[x.length];
        double v = new LovaszHinge(perImage).valueAndGradient(shape, x, y, g);
        double[] gr = new double[x.length];
        double vr = 0;
        if (perImage) {
            int ppi = shape.pixelsPerImage();
            for (int b = 0; b < shape.batch(); b++) {
                vr += reference(x, y, b * ppi, ppi, gr, 1.0 / shape.batch());
            }
            vr /= shape.batch();
        } else {
            vr = reference(x, y, 0, x.length, gr, 1.0);
        }
        assertThat(v).isCloseTo(vr, org.assertj.core.data.Offset.offset(1e-12 + 1e-9 * Math.abs(vr)));
        for (int i = 0; i < g.length; i++) {
            assertThat(g[i]).as("grad[%d]", i).isCloseTo(gr[i], org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @Test
    void matchesReferenceOnLargeRandomInputs() {
        Random rnd = new Random(7);
        BatchShape shape = BatchShape.of(3, 64, 48);
        double[] x = new double[shape.size()];
        double[] y = new double[shape.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextGaussian() * 1.5;
            y[i] = rnd.nextDouble() < 0.4 ? 1 : 0;
        }
        compare(shape, x, y, true);
        compare(shape, x, y, false);
    }

    @Test
    void nearTiesBelowTheKeyResolutionAreOrderedExactly() {
        // errors differing only in their last bits, which the packed key drops, with alternating labels
        Random rnd = new Random(11);
        BatchShape shape = BatchShape.of(2, 40, 50);
        double[] x = new double[shape.size()];
        double[] y = new double[shape.size()];
        for (int i = 0; i < x.length; i++) {
            y[i] = rnd.nextBoolean() ? 1 : 0;
            double base = 0.25 * (rnd.nextInt(5) - 2);
            x[i] = base + Math.ulp(1.0) * rnd.nextInt(64) * (rnd.nextBoolean() ? 1 : -1);
        }
        compare(shape, x, y, true);
        compare(shape, x, y, false);
    }

    @Test
    void exactTiesAndAllCorrectPixels() {
        BatchShape shape = BatchShape.of(2, 16, 16);
        double[] x = new double[shape.size()];
        double[] y = new double[shape.size()];
        for (int i = 0; i < x.length; i++) {
            y[i] = (i % 3 == 0) ? 1 : 0;
            x[i] = (i % 7 == 0) ? 0.0 : (y[i] == 1 ? 5 : -5); // ties at error 1; the rest have error -4
        }
        compare(shape, x, y, true);
        compare(shape, x, y, false);
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = y[i] == 1 ? 3 : -3;
        }
        assertThat(new LovaszHinge(true).valueAndGradient(shape, x, y, g)).isZero();
        assertThat(g).containsOnly(0.0);
    }

    @Test
    void radixSortSortsUnsignedKeys() {
        Random rnd = new Random(3);
        for (int n : new int[] {1, 5, 63, 64, 1000, 100_000}) {
            long[] a = new long[n];
            for (int i = 0; i < n; i++) {
                a[i] = rnd.nextLong() >>> rnd.nextInt(40);
            }
            long[] want = a.clone();
            Long[] boxed = Arrays.stream(want).boxed().toArray(Long[]::new);
            Arrays.sort(boxed, Long::compareUnsigned);
            RadixSort.sort(a, n);
            for (int i = 0; i < n; i++) {
                assertThat(a[i]).isEqualTo(boxed[i].longValue());
            }
        }
    }
}
