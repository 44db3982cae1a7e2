package io.github.hubmapseg.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeepSupervisionTest {

    // one 4x6 image: a single positive pixel at (1, 4), and a 2x2 block at (2..3, 0..1)
    static final double[] MASK = {
        0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 1, 0,
        1, 1, 0, 0, 0, 0,
        1, 1, 0, 0, 0, 0};

    @Test
    void maxPoolKeepsSmallObjectsNearestSamplesTopLeft() {
        BatchShape full = BatchShape.of(1, 4, 6);
        BatchShape half = BatchShape.of(1, 2, 3);
        assertThat(TargetResize.MAX_POOL.resize(MASK, full, half)).containsExactly(0, 0, 1, 1, 0, 0);
        assertThat(TargetResize.NEAREST.resize(MASK, full, half)).containsExactly(0, 0, 0, 1, 0, 0);
        // non-integer ratio 6 -> 4 columns: bins [0,2) [1,3) [3,5) [4,6) (adaptive pooling)
        BatchShape odd = BatchShape.of(1, 4, 4);
        assertThat(TargetResize.MAX_POOL.resize(MASK, full, odd)).containsExactly(
                0, 0, 0, 0,
                0, 0, 1, 1,
                1, 1, 0, 0,
                1, 1, 0, 0);
        assertThat(TargetResize.NEAREST.resize(MASK, full, BatchShape.of(1, 1, 1))).containsExactly(0);
        assertThat(TargetResize.MAX_POOL.resize(MASK, full, BatchShape.of(1, 1, 1))).containsExactly(1);
        assertThat(TargetResize.MAX_POOL.resize(MASK, full, full)).containsExactly(MASK);
        assertThatThrownBy(() -> TargetResize.NEAREST.resize(MASK, full, BatchShape.of(1, 8, 6)))
                .hasMessageContaining("must not be larger");
        assertThatThrownBy(() -> TargetResize.NEAREST.resize(MASK, full, BatchShape.of(2, 2, 3)))
                .hasMessageContaining("batch 2 must equal target batch 1");
    }

    @Test
    void nonEmptyOnlyDropsEmptyImagesAndWeights() {
        BatchShape full = BatchShape.of(2, 4, 6);
        double[] labels = new double[full.size()];
        System.arraycopy(MASK, 0, labels, 0, MASK.length); // image 0 non-empty, image 1 empty
        BatchShape aux = BatchShape.of(2, 2, 3);
        double[] logits = {0.3, -0.5, 1.2, 0.8, -1.1, 0.1, 0.4, 0.2, -0.3, 1.5, -2.0, 0.6};
        SegLoss inner = Losses.parse("bce+lovasz");
        double[] g = new double[aux.size()];
        double v = DeepSupervision.firstPlace(inner).valueAndGradient(full, labels, aux, logits, g);
        // expected: the loss of image 0 alone with its max-pooled target, times 0.1
        BatchShape one = BatchShape.of(1, 2, 3);
        double[] x0 = java.util.Arrays.copyOf(logits, 6);
        double[] y0 = TargetResize.MAX_POOL.resize(MASK, BatchShape.of(1, 4, 6), one);
        double[] g0 = new double[6];
        double v0 = inner.valueAndGradient(one, x0, y0, g0);
        assertThat(v).isCloseTo(0.1 * v0, org.assertj.core.data.Offset.offset(1e-15));
        for (int i = 0; i < 6; i++) {
            assertThat(g[i]).isCloseTo(0.1 * g0[i], org.assertj.core.data.Offset.offset(1e-15));
            assertThat(g[6 + i]).isZero();
        }
        // all images used when nonEmptyOnly is off
        double all = DeepSupervision.of(inner, 1.0, false, TargetResize.MAX_POOL)
                .valueAndGradient(full, labels, aux, logits, null);
        double[] yAll = TargetResize.MAX_POOL.resize(labels, full, aux);
        assertThat(all).isEqualTo(inner.value(aux, logits, yAll));
        // no non-empty image: zero loss and gradient
        double[] empty = new double[full.size()];
        java.util.Arrays.fill(g, 5);
        assertThat(DeepSupervision.firstPlace(inner).valueAndGradient(full, empty, aux, logits, g)).isZero();
        assertThat(g).containsOnly(0.0);
    }

    @Test
    void classificationHeadTargetsAreTileHasObject() {
        BatchShape full = BatchShape.of(3, 4, 6);
        double[] labels = new double[full.size()];
        System.arraycopy(MASK, 0, labels, 2 * 24, 24);
        assertThat(ClassificationHead.targets(full, labels)).containsExactly(0, 0, 1);
        double[] logits = {0.5, -1, 2};
        double[] g = new double[3];
        double v = ClassificationHead.valueAndGradient(full, labels, logits, g);
        assertThat(v).isEqualTo(Losses.bce().value(BatchShape.of(3, 1, 1), logits, new double[] {0, 0, 1}));
        assertThat(g[0]).isGreaterThan(0);
        assertThat(g[2]).isLessThan(0);
    }
}
