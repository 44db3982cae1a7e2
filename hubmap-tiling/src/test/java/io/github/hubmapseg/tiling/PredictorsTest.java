package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import java.util.List;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The predictor wrappers: TTA mean and standard deviation over poses, combination on one window. */
class PredictorsTest {

    static TileBatch random(int n, int side, long seed) {
        float[] d = new float[n * side * side];
        Random r = new Random(seed);
        for (int k = 0; k < d.length; k++) {
            d[k] = r.nextInt(256);
        }
        return new TileBatch(d, n, 1, side, side);
    }

    @Test
    void ttaMeanAndStdOfTheRampAreTheMeanAndStdOfItsMirroredCopies() {
        // ramp: out = in * x with x the column; under h-flip the un-flipped prediction is in * (n - 1 - x)
        TileBatch t = random(2, 8, 1);
        float[] mean = Predictors.tta(TestModels.ramp(), D4.IDENTITY, D4.HFLIP).predict(t).data();
        float[] std = Predictors.ttaStd(List.of(TestModels.ramp()), D4.IDENTITY, D4.HFLIP).predict(t).data();
        for (int n = 0; n < 2; n++) {
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int k = (n * 8 + y) * 8 + x;
                    double a = t.data()[k] * x;
                    double b = t.data()[k] * (7 - x);
                    assertThat((double) mean[k]).isCloseTo((a + b) / 2, Offset.offset(1e-3));
                    assertThat((double) std[k]).isCloseTo(Math.abs(a - b) / 2, Offset.offset(1e-2));
                }
            }
        }
    }

    @Test
    void ttaOfAnEquivariantPredictorChangesNothingAndLogitsBecomeProbabilities() {
        TileBatch t = random(3, 6, 2);
        assertThat(Predictors.tta(TestModels.identity(), D4.values()).predict(t).data()).containsExactly(t.data());
        Predictor logit = TestModels.constant(0f, 1, null, true);
        assertThat(Predictors.tta(logit, D4.flips()).outputsLogits()).isFalse();
        assertThat(Predictors.tta(logit, D4.flips()).predict(t).data()).containsOnly(0.5f);
        assertThat(Predictors.tta(logit, D4.IDENTITY)).isSameAs(logit);
    }

    @Test
    void combinedPredictorsDeclareTheirLeastCommonDivisor() {
        Predictor a = TestModels.constant(0.2f, 1, null, false);
        Predictor b = TestModels.zeros(6);
        Predictor c = TestModels.zeros(4);
        assertThat(Predictors.combined(List.of(a, b, c), Combination.mean(), null).sizeDivisor()).isEqualTo(12);
        assertThat(Predictors.combined(List.of(a, b), Combination.mean(), new double[] {3, 1}).predict(random(1, 4, 3))
                .data()).containsOnly(0.15f);
        assertThatThrownBy(() -> Predictors.combined(List.of(a, b), Combination.mean(), new double[] {1}))
                .hasMessageContaining("2 members need 2 weights, got 1");
        assertThatThrownBy(() -> Predictors.ttaStd(List.of(a), D4.IDENTITY)).hasMessageContaining("at least 2 poses");
    }
}
