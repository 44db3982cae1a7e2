package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

class TrainingTest {

    /** Synthetic tiles: bright discs ("glomeruli") on a noisy background; labels are the discs. */
    static INDArray[] tiles(int n, int size, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] x = new float[n * size * size * 3];
        float[] y = new float[n * size * size];
        for (int b = 0; b < n; b++) {
            int m = size / 4;
            int cx = m + r.nextInt(size - 2 * m);
            int cy = m + r.nextInt(size - 2 * m);
            int rad = size / 10 + r.nextInt(size / 10);
            for (int i = 0; i < size; i++) {
                for (int j = 0; j < size; j++) {
                    boolean in = (i - cy) * (i - cy) + (j - cx) * (j - cx) <= rad * rad;
                    int p = (b * size + i) * size + j;
                    y[p] = in ? 1 : 0;
                    for (int c = 0; c < 3; c++) {
                        x[p * 3 + c] = (in ? 0.8f : 0.2f) + 0.1f * (float) r.nextGaussian();
                    }
                }
            }
        }
        return new INDArray[] {Nd4j.create(x, new long[] {n, size, size, 3}, 'c'),
            Nd4j.create(y, new long[] {n, size, size, 1}, 'c')};
    }

    static double dice(INDArray logits, INDArray labels) {
        INDArray pred = logits.gt(0).castTo(labels.dataType());
        double inter = pred.mul(labels).sumNumber().doubleValue();
        return 2 * inter / (pred.sumNumber().doubleValue() + labels.sumNumber().doubleValue());
    }

    @Test
    void tinyUnetOverfitsSyntheticTiles() {
        INDArray[] d = tiles(2, 32, 7);
        try (SegmentationModel m = Models.builder("unet", "tiny").decoderChannels(List.of(16, 16, 8, 8, 8))
                .updater(new Adam(1e-2)).seed(3).build()) {
            double first = m.fit(d[0], d[1]);
            double last = first;
            // stop early once it has clearly overfit (keeps the test short on a loaded machine)
            for (int i = 1; i <= 100 && !(i % 5 == 0 && last < first * 0.3 && dice(m.logits(d[0]), d[1]) > 0.9);
                    i++) {
                last = m.fit(d[0], d[1]);
            }
            assertThat(last).isLessThan(first * 0.5);
            assertThat(dice(m.logits(d[0]), d[1])).isGreaterThan(0.8);
        }
    }

    @Test
    void groupedConvWeightsStayBlockDiagonalDuringTraining() {
        // one resnext stage is enough: a U-Net over resnext50 is too big for a unit test, so check the mask on
        // the grouped layer of the encoder-only graph via the constraint directly after an update
        try (SegmentationModel m = Models.encoderOnly("resnext50_32x4d", 3)) {
            INDArray w = m.graph().getLayer("layer1.0.conv2").getParam("W");
            INDArray mask = GroupMaskConstraint.mask(w.shape(), 32, w.dataType());
            assertThat(Transforms.abs(w.mul(mask.rsub(1))).maxNumber().doubleValue()).isZero();
            assertThat(Transforms.abs(w.mul(mask)).maxNumber().doubleValue()).isPositive();
            w.addi(1.0); // simulate an update touching every weight
            new GroupMaskConstraint(32).applyConstraint(m.graph().getLayer("layer1.0.conv2"), 0, 0);
            assertThat(Transforms.abs(w.mul(mask.rsub(1))).maxNumber().doubleValue()).isZero();
            // block (group 0 outputs x group 1 inputs) is zero, block (0, 0) is not
            assertThat(w.get(NDArrayIndex.interval(0, 4), NDArrayIndex.interval(4, 8)).sumNumber().doubleValue())
                    .isZero();
            assertThat(w.get(NDArrayIndex.interval(0, 4), NDArrayIndex.interval(0, 4)).sumNumber().doubleValue())
                    .isNotZero();
        }
    }
}
