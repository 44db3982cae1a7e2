package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CacheMode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The fast training path ({@link Dl4jRuntime#accelerate}: {@link NhwcConvolutionLayer}'s direct helper call,
 * the cached forward output, {@link NhwcBatchNormHelper}) must train like DL4J's own layers (a model built under
 * {@code -Dhubmap.accelerate=false} runs DL4J's code in every layer): same loss, same gradients (up to
 * float rounding of the batch-norm sums), same weights after several SGD steps on changing batches, and
 * inference in between must not leave a stale cached forward output behind.
 */
class AcceleratedTrainingTest {

    @BeforeEach
    void cpuBackendOnly() {
        Dl4jRuntime.configure();
        org.junit.jupiter.api.Assumptions.assumeTrue(Dl4jRuntime.oneDnnAvailable(), "oneDNN CPU backend only");
    }

    private static SegmentationModel build(boolean accelerated) {
        String old = System.getProperty(Dl4jRuntime.ACCELERATE);
        System.setProperty(Dl4jRuntime.ACCELERATE, Boolean.toString(accelerated));
        try {
            return Models.builder("unet", "tiny").decoderChannels(List.of(16, 16, 8, 8, 8)).updater(new Sgd(1e-3))
                    .seed(11).build();
        } finally {
            if (old == null) {
                System.clearProperty(Dl4jRuntime.ACCELERATE);
            } else {
                System.setProperty(Dl4jRuntime.ACCELERATE, old);
            }
        }
    }

    private static double rel(INDArray a, INDArray b) {
        return Transforms.abs(a.sub(b)).maxNumber().doubleValue() / Transforms.abs(b).maxNumber().doubleValue();
    }

    @Test
    void gradientsEqualDl4jsOwnLayers() {
        try (SegmentationModel fast = build(true); SegmentationModel plain = build(false)) {
            assertThat(fast.graph().getConfiguration().getCacheMode()).isEqualTo(CacheMode.DEVICE);
            assertThat(plain.graph().getConfiguration().getCacheMode()).isEqualTo(CacheMode.NONE);
            assertThat(fast.graph().params()).isEqualTo(plain.graph().params());
            Nd4j.getRandom().setSeed(5);
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, 64, 64, 3).muli(2).subi(0.5);
            INDArray y = Nd4j.rand(DataType.FLOAT, 2, 64, 64, 1).gt(0.6).castTo(DataType.FLOAT);
            for (SegmentationModel m : List.of(fast, plain)) {
                m.graph().setInputs(x);
                m.graph().setLabels(y);
                m.graph().computeGradientAndScore();
            }
            double sf = fast.graph().score();
            double sp = plain.graph().score();
            assertThat(Math.abs(sf - sp) / sp).as(sf + " vs " + sp).isLessThan(1e-5);
            Map<String, INDArray> gf = fast.graph().gradient().gradientForVariable();
            Map<String, INDArray> gp = plain.graph().gradient().gradientForVariable();
            assertThat(gf.keySet()).isEqualTo(gp.keySet());
            for (String k : gp.keySet()) {
                // float rounding of the batch-norm sums (both implementations are equally close to a double
                // evaluation, see NhwcBatchNormHelperTest) accumulates to about 2e-3 through 20 layers
                assertThat(rel(gf.get(k), gp.get(k))).as(k).isLessThan(1e-2);
            }
        }
    }

    @Test
    void trainsLikeDl4jsOwnLayersAcrossStepsAndInference() {
        try (SegmentationModel fast = build(true); SegmentationModel plain = build(false)) {
            INDArray p0 = plain.graph().params().dup();
            Nd4j.getRandom().setSeed(6);
            for (int step = 0; step < 3; step++) {
                INDArray x = Nd4j.rand(DataType.FLOAT, 2, 64, 64, 3).muli(2).subi(0.5);
                INDArray y = Nd4j.rand(DataType.FLOAT, 2, 64, 64, 1).gt(0.6).castTo(DataType.FLOAT);
                double lf = fast.fit(x, y);
                double lp = plain.fit(x, y);
                assertThat(Math.abs(lf - lp) / lp).as("loss at step " + step + ": " + lf + " vs " + lp)
                        .isLessThan(1e-3);
                // inference between steps (another input size) must leave nothing stale for the next backward
                INDArray probe = Nd4j.rand(DataType.FLOAT, 1, 32, 32, 3);
                assertThat(rel(fast.logits(probe), plain.logits(probe))).as("logits after step " + step)
                        .isLessThan(1e-2);
            }
            INDArray updateFast = fast.graph().params().sub(p0);
            INDArray updatePlain = plain.graph().params().sub(p0);
            assertThat(Transforms.abs(updatePlain).maxNumber().doubleValue()).isGreaterThan(1e-3);
            assertThat(rel(updateFast, updatePlain)).isLessThan(2e-2);
        }
    }
}
