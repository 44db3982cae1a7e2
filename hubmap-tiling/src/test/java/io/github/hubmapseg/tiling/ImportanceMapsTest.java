package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImportanceMapsTest {

    @Test
    void gaussianIsOneAtTheCentreSymmetricAndPositive() {
        double[] g = ImportanceMaps.gaussian(9, 9, 0.125);
        assertThat(g[4 * 9 + 4]).isEqualTo(1.0);
        for (int i = 0; i < 9; i++) {
            for (int j = 0; j < 9; j++) {
                assertThat(g[i * 9 + j]).isEqualTo(g[(8 - i) * 9 + (8 - j)]).isEqualTo(g[j * 9 + i]).isPositive();
            }
        }
    }

    @Test
    void truncatedPixelsTakeTheSmallestNonZeroValue() {
        double[] g = ImportanceMaps.gaussian(32, 32, 1.0 / 32); // sigma 1, radius 4
        double min = Double.MAX_VALUE;
        for (double v : g) {
            min = Math.min(min, v);
        }
        assertThat(g[0]).isEqualTo(min).isEqualTo(Math.exp(-16 / 2.0) * Math.exp(-16 / 2.0));
        assertThat(ImportanceMaps.truncates(32, 1.0 / 32)).isTrue();
        assertThat(ImportanceMaps.truncates(512, 0.125)).isFalse();
        assertThat(Weighting.gaussian(1.0 / 32).factor(32)).isNull();
    }

    @Test
    void separableFactorReproducesTheMap() {
        double[] u = Weighting.gaussian().factor(24);
        double[] m = Weighting.gaussian().map(24);
        for (int i = 0; i < 24; i++) {
            for (int j = 0; j < 24; j++) {
                assertThat(u[i] * u[j]).isEqualTo(m[i * 24 + j]);
            }
        }
    }

    @Test
    void badArguments() {
        assertThatThrownBy(() -> ImportanceMaps.gaussian(0, 4, 0.125)).hasMessage("map size must be > 0, got 0");
        assertThatThrownBy(() -> Weighting.gaussian(-1)).hasMessageContaining("sigmaScale must be a finite number > 0, got -1.0");
    }
}
