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
    }
}
