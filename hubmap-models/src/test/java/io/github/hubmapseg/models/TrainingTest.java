package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

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
    void resnextGroupedConvsAreRealGroupedConvolutions() {
        // ResNeXt-50's 16 grouped 3x3 convs store PyTorch's compact [out, in/32, 3, 3] weight (no masked dense copy)
        try (SegmentationModel m = Models.encoderOnly("resnext50_32x4d", 3)) {
            assertThat(m.groupedConvs()).hasSize(16);
            for (String name : m.groupedConvs().keySet()) {
                org.deeplearning4j.nn.api.Layer l = m.graph().getLayer(name);
                assertThat(l.conf().getLayer()).as(name).isInstanceOf(GroupedConvolutionLayer.class);
                GroupedConvolutionLayer c = (GroupedConvolutionLayer) l.conf().getLayer();
                assertThat(c.getGroups()).isEqualTo(32);
                assertThat(l.getParam("W").shape()).containsExactly(c.getNOut(), c.getNIn() / 32, 3, 3);
            }
        }
    }
}
