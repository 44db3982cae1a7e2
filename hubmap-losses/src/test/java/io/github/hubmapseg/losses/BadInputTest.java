package io.github.hubmapseg.losses;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every loss rejects NaN/infinite logits, non-0/1 labels and wrong lengths with a clear message. */
class BadInputTest {

    static Stream<SegLoss> losses() {
        return Stream.of(Losses.bce(), Losses.dice(), Losses.dicePerImage(), Losses.lovasz(), Losses.lovaszBatch(),
                Losses.focal(2), Losses.focal(2, 0.25), Losses.parse("bce+lovasz"));
    }

    @ParameterizedTest
    @MethodSource("losses")
    void rejectsBadInput(SegLoss loss) {
        BatchShape s = BatchShape.of(2, 2, 3);
        double[] ok = new double[12];
        double[] g = new double[12];
        double[] nan = new double[12];
        nan[7] = Double.NaN;
        assertThatThrownBy(() -> loss.valueAndGradient(s, nan, ok, g))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("logits must be finite, got NaN at (b=1, y=0, x=1)");
        double[] inf = new double[12];
        inf[0] = Double.NEGATIVE_INFINITY;
        assertThatThrownBy(() -> loss.value(s, inf, ok)).hasMessageContaining("-Infinity");
        double[] badLabels = new double[12];
        badLabels[5] = 0.5;
        assertThatThrownBy(() -> loss.value(s, ok, badLabels))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labels must be 0 or 1, got 0.5 at (b=0, y=1, x=2)");
        float[] f = new float[12];
        float[] fl = new float[12];
        fl[3] = 2f;
        assertThatThrownBy(() -> loss.valueAndGradient(s, f, fl, new float[12]))
                .hasMessageContaining("labels must be 0 or 1, got 2.0");
        fl[3] = 0.3f; // a float label is shown as the float it is, not as its widened double 0.30000001192...
        assertThatThrownBy(() -> loss.value(s, f, fl)).hasMessageContaining("labels must be 0 or 1, got 0.3 at (b=0, y=1, x=0)");
        float[] fx = new float[12];
        fx[2] = Float.NaN;
        assertThatThrownBy(() -> loss.value(s, fx, f)).hasMessageContaining("logits must be finite, got NaN");
        assertThatThrownBy(() -> loss.value(s, new double[11], ok))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("logits must have B*H*W = 12 values for shape (2, 2, 3), got 11 values");
        assertThatThrownBy(() -> loss.valueAndGradient(s, ok, ok, new double[13]))
                .hasMessageContaining("grad must have B*H*W = 12 values");
        assertThatThrownBy(() -> loss.valueAndGradient(s, ok, ok, (double[]) null))
                .hasMessageContaining("grad must be an array of 12 values, got null");
    }

    @ParameterizedTest
    @MethodSource("losses")
    void rejectsBadShapes(SegLoss loss) {
        assertThatThrownBy(() -> BatchShape.of(0, 4, 4)).hasMessage("batch must be >= 1, got 0");
        assertThatThrownBy(() -> BatchShape.of(1, -3, 4)).hasMessage("height must be >= 1, got -3");
        assertThatThrownBy(() -> loss.value(null, new double[1], new double[1])).hasMessageContaining("shape");
    }

    @ParameterizedTest
    @MethodSource("losses")
    void rejectsBadParameters(SegLoss unused) {
        assertThatThrownBy(() -> Losses.bce(0, 0)).hasMessage("pos_weight must be finite and > 0, got 0.0");
        assertThatThrownBy(() -> Losses.bce(1, 1)).hasMessageContaining("label smoothing must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> Losses.focal(-1)).hasMessageContaining("gamma must be finite and >= 0, got -1.0");
        assertThatThrownBy(() -> Losses.focal(2, 1.5)).hasMessageContaining("alpha must be in [0, 1]");
        assertThatThrownBy(() -> new SoftDice(-1, true)).hasMessageContaining("smooth must be finite and >= 0");
    }
}
