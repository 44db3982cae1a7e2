package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class D4Test {

    @Test
    void invertUndoesApplyAndThePosesAreDistinct() {
        int n = 5;
        float[] a = new float[2 * n * n];
        Random r = new Random(1);
        for (int k = 0; k < a.length; k++) {
            a[k] = r.nextFloat();
        }
        Set<String> seen = new HashSet<>();
        for (D4 p : D4.values()) {
            float[] t = new float[a.length];
            float[] back = new float[a.length];
            p.apply(a, 0, t, 0, n, 2);
            p.invert(t, 0, back, 0, n, 2);
            assertThat(back).containsExactly(a);
            seen.add(java.util.Arrays.toString(t));
        }
        assertThat(seen).hasSize(8);
    }

    @Test
    void namedPosesDoWhatTheySay() {
        float[] a = {1, 2, 3, 4}; // [[1,2],[3,4]]
        float[] t = new float[4];
        D4.HFLIP.apply(a, 0, t, 0, 2, 1);
        assertThat(t).containsExactly(2, 1, 4, 3);
        D4.VFLIP.apply(a, 0, t, 0, 2, 1);
        assertThat(t).containsExactly(3, 4, 1, 2);
        D4.TRANSPOSE.apply(a, 0, t, 0, 2, 1);
        assertThat(t).containsExactly(1, 3, 2, 4);
        D4.ROT180.apply(a, 0, t, 0, 2, 1);
        assertThat(t).containsExactly(4, 3, 2, 1);
        D4.ROT90.apply(a, 0, t, 0, 2, 1); // clockwise
        assertThat(t).containsExactly(3, 1, 4, 2);
        D4.ROT270.apply(a, 0, t, 0, 2, 1); // numpy.rot90 (counter-clockwise)
        assertThat(t).containsExactly(2, 4, 1, 3);
        D4.ANTI_TRANSPOSE.apply(a, 0, t, 0, 2, 1); // t[y][x] = a[n-1-x][n-1-y]
        assertThat(t).containsExactly(4, 2, 3, 1);
    }

    /** The double variants move the same pixels as the float ones, at offsets into larger arrays. */
    @Test
    void doubleVariantsAgreeWithFloatOnesAtOffsets() {
        int n = 3;
        int planes = 2;
        float[] a = new float[1 + planes * n * n];
        double[] d = new double[a.length];
        for (int k = 0; k < a.length; k++) {
            a[k] = k;
            d[k] = k;
        }
        for (D4 p : D4.values()) {
            float[] t = new float[2 + planes * n * n];
            double[] u = new double[t.length];
            p.apply(a, 1, t, 2, n, planes);
            p.apply(d, 1, u, 2, n, planes);
            float[] back = new float[a.length];
            double[] backD = new double[a.length];
            p.invert(t, 2, back, 1, n, planes);
            p.invert(u, 2, backD, 1, n, planes);
            for (int k = 0; k < t.length; k++) {
                assertThat(u[k]).as("%s at %d", p, k).isEqualTo(t[k]);
            }
            for (int k = 1; k < a.length; k++) {
                assertThat(back[k]).isEqualTo(a[k]);
                assertThat(backD[k]).isEqualTo(d[k]);
            }
        }
    }
}
