package io.github.hubmapseg.core.synth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BeerLambertTest {

    @Test
    void indexTruncatesToTheGridAndClampsPerProfile() {
        assertThat(BeerLambert.index(1.0, BeerLambert.HARD_MAX)).isEqualTo(512);
        assertThat(BeerLambert.index(1.0 + 0.999 / 512, BeerLambert.HARD_MAX)).isEqualTo(512);
        assertThat(BeerLambert.index(-0.25, BeerLambert.HARD_MAX)).isZero();
        assertThat(BeerLambert.index(9.0, BeerLambert.EASY_MAX)).isEqualTo(8 * 512 + 1);
        assertThat(BeerLambert.index(9.0, BeerLambert.HARD_MAX)).isEqualTo(9 * 512);
        assertThat(BeerLambert.index(1e300, BeerLambert.HARD_MAX)).isEqualTo(10 * 512 + 1);
        // exp(-od) itself: the fdlibm value at each grid point (StrictMath, identical on every JVM)
        assertThat(BeerLambert.EXP).hasSize(10 * 512 + 2);
        assertThat(BeerLambert.EXP[512]).isEqualTo(StrictMath.exp(-1.0));
        assertThat(BeerLambert.EXP[0]).isEqualTo(1.0);
    }
}
