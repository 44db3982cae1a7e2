package io.github.hubmapseg.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BootstrapTest {

    @Test
    void quantilesInterpolateLikeNumpy() {
        double[] v = {1, 2, 3, 4};
        // numpy.quantile([1, 2, 3, 4], [0.025, 0.5, 0.975]) = [1.075, 2.5, 3.925]
        assertThat(Bootstrap.quantile(v, 0.025)).isCloseTo(1.075, within(1e-12));
        assertThat(Bootstrap.quantile(v, 0.5)).isCloseTo(2.5, within(1e-12));
        assertThat(Bootstrap.quantile(v, 0.975)).isCloseTo(3.925, within(1e-12));
    }

    @Test
    void intervalsOfDegenerateAndTwoPointData() {
        Bootstrap.Interval c = Bootstrap.mean(new double[] {0.9, 0.9, 0.9}, 0.95, 500, 1);
        assertThat(c.estimate()).isCloseTo(0.9, within(1e-15));
        assertThat(c.low()).isCloseTo(0.9, within(1e-15));
        assertThat(c.high()).isCloseTo(0.9, within(1e-15));
        // two values 0 and 1: resampled means are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4, so the 95 %
        // percentile interval is [0, 1] and the 50 % one is [0.5, 0.5]
        Bootstrap.Interval two = Bootstrap.mean(new double[] {0, 1}, 0.95, 4000, 2);
        assertThat(two.low()).isEqualTo(0);
        assertThat(two.high()).isEqualTo(1);
        Bootstrap.Interval mid = Bootstrap.mean(new double[] {0, 1}, 0.4, 4000, 2);
        assertThat(mid.low()).isEqualTo(0.5);
        assertThat(mid.high()).isEqualTo(0.5);
        assertThat(two.excludes(1.5)).isTrue();
        assertThat(two.excludes(0.5)).isFalse();
        assertThat(Bootstrap.mean(new double[] {0.2, 0.4, 0.9}, 0.95, 1000, 9))
                .isEqualTo(Bootstrap.mean(new double[] {0.2, 0.4, 0.9}, 0.95, 1000, 9));
    }

    @Test
    void meanIntervalsCoverTheTrueMeanAboutNinetyFivePercentOfTheTime() {
        SplittableRandom r = new SplittableRandom(11);
        int covered = 0;
        int trials = 300;
        for (int t = 0; t < trials; t++) {
            double[] v = new double[40];
            for (int i = 0; i < v.length; i++) {
                v[i] = 0.8 + 0.1 * r.nextGaussian();
            }
            if (!Bootstrap.mean(v, 0.95, 400, t).excludes(0.8)) {
                covered++;
            }
        }
        // percentile bootstrap of a mean of 40: close to nominal (binomial sd of the count about 3.8)
        assertThat(covered).isBetween(270, 297);
    }

    @Test
    void pooledDiceResamplesWholeGlomeruli() {
        List<long[]> units = new ArrayList<>();
        units.add(new long[] {90, 100, 100});
        units.add(new long[] {0, 50, 0});     // a false positive
        units.add(new long[] {0, 0, 60});     // a missed glomerulus
        Bootstrap.Interval i = Bootstrap.pooledDice(units, 0.95, 3000, 4);
        assertThat(i.estimate()).isCloseTo(2 * 90.0 / (150 + 160), within(1e-15));
        assertThat(i.n()).isEqualTo(3);
        // the best resample is three copies of the good glomerulus (Dice 0.9), the worst has no overlap at all
        assertThat(i.high()).isLessThanOrEqualTo(0.9);
        assertThat(i.low()).isGreaterThanOrEqualTo(0);
        assertThat(i.low()).isLessThan(i.estimate());
        assertThat(i.high()).isGreaterThan(i.estimate());
        assertThatThrownBy(() -> Bootstrap.pooledDice(List.of(), 0.95, 100, 1)).hasMessageContaining("none");
        assertThatThrownBy(() -> Bootstrap.mean(new double[] {1}, 1.5, 100, 1)).hasMessageContaining("1.5");
    }
}
