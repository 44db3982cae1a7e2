package io.github.hubmapseg.core.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class NoiseTest {

    @Test
    void valueRowMatchesPointwiseNoiseAndIsInUnitRange() {
        double[] row = new double[300];
        for (double y : new double[] {0.5, 17.5, 1234.5}) {
            Noise.valueRow(row, row.length, 100.5, y, 1 / 9.0, 77);
            for (int i = 0; i < row.length; i++) {
                assertThat(row[i]).isCloseTo(Noise.value(100.5 + i, y, 1 / 9.0, 77), offset(1e-12));
                assertThat(row[i]).isBetween(0.0, 1.0);
            }
        }
    }

    @Test
    void hashIsDeterministicAndSpreads() {
        assertThat(Noise.hash(3, 4, 5)).isEqualTo(Noise.hash(3, 4, 5));
        int ones = 0;
        for (int i = 0; i < 4096; i++) {
            ones += Integer.bitCount(Noise.hash(i, 7, 1));
        }
        assertThat(ones / 4096.0).isBetween(15.0, 17.0);
        double mean = 0;
        for (int i = 0; i < 10000; i++) {
            mean += Noise.unit(i, i * 3, 9);
        }
        assertThat(mean / 10000).isCloseTo(0.5, offset(0.02));
    }
}
