package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link NhwcBatchNormHelper} must give what DL4J's oneDNN helper gives (training forward, batch statistics,
 * input gradient, gamma/beta gradients), and an independent double-precision evaluation of the batch-norm
 * formulas; and {@link Dl4jRuntime#accelerate} must install it on the models of this module.
 */
class NhwcBatchNormHelperTest {

    @BeforeEach
    void cpuBackendOnly() {
        Dl4jRuntime.configure();
        org.junit.jupiter.api.Assumptions.assumeTrue(Dl4jRuntime.oneDnnAvailable(), "oneDNN CPU backend only");
    }

    private static double maxRelDiff(INDArray a, INDArray b) {
        double scale = Math.max(1e-3, Transforms.abs(b).maxNumber().doubleValue());
        return Transforms.abs(a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE))).maxNumber().doubleValue()
                / scale;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 24, 96})
    void matchesTheOneDnnHelperAndTheFormulas(int c) {
        Nd4j.getRandom().setSeed(c);
        long[] shape = {3, 10, 12, c};
        // offset and scale per element: a non-zero mean checks the centring
        INDArray x = Nd4j.rand(DataType.FLOAT, shape).muli(3).addi(1.5);
        INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, c).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 1, c);
        INDArray runMean = Nd4j.zeros(DataType.FLOAT, 1, c);
        INDArray runVar = Nd4j.ones(DataType.FLOAT, 1, c);
        double eps = 1e-5;
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();

        MKLDNNBatchNormHelper ref = new MKLDNNBatchNormHelper(DataType.FLOAT);
        NhwcBatchNormHelper fast = new NhwcBatchNormHelper(DataType.FLOAT);
        INDArray yRef = ref.preOutput(x, true, shape, gamma, beta, runMean, runVar, 0.9, eps, CNN2DFormat.NHWC, ws);
        INDArray y = fast.preOutput(x, true, shape, gamma, beta, runMean, runVar, 0.9, eps, CNN2DFormat.NHWC, ws);
        assertThat(maxRelDiff(y, yRef)).as("forward").isLessThan(1e-5);
        assertThat(maxRelDiff(fast.getMeanCache(DataType.FLOAT), ref.getMeanCache(DataType.FLOAT))).isLessThan(1e-6);
        assertThat(maxRelDiff(fast.getVarCache(DataType.FLOAT), ref.getVarCache(DataType.FLOAT))).isLessThan(1e-5);

        INDArray dgRef = Nd4j.zeros(DataType.FLOAT, 1, c);
        INDArray dbRef = Nd4j.zeros(DataType.FLOAT, 1, c);
        INDArray dg = Nd4j.zeros(DataType.FLOAT, 1, c);
        INDArray db = Nd4j.zeros(DataType.FLOAT, 1, c);
        Pair<Gradient, INDArray> r = ref.backpropGradient(x, dy, shape, gamma, beta, dgRef, dbRef, eps,
                CNN2DFormat.NHWC, ws);
        Pair<Gradient, INDArray> f = fast.backpropGradient(x, dy, shape, gamma, beta, dg, db, eps,
                CNN2DFormat.NHWC, ws);
        assertThat(maxRelDiff(f.getSecond(), r.getSecond())).as("dx").isLessThan(1e-4);
        assertThat(maxRelDiff(dg, dgRef)).as("dgamma").isLessThan(1e-4);
        assertThat(maxRelDiff(db, dbRef)).as("dbeta").isLessThan(1e-5);
        assertThat(f.getFirst().getGradientFor(BatchNormalizationParamInitializer.GAMMA)).isSameAs(dg);

        // independent evaluation in double precision: y = g (x - m) / sqrt(v + eps) + b,
        // dx = g/s (dy - mean(dy) - xhat mean(dy xhat))
        long m = x.length() / c;
        INDArray xd = x.castTo(DataType.DOUBLE).reshape(m, c);
        INDArray dyd = dy.castTo(DataType.DOUBLE).reshape(m, c);
        INDArray mean = xd.mean(0).reshape(1, c);
        INDArray xcd = xd.subRowVector(mean);
        INDArray var = xcd.mul(xcd).mean(0).reshape(1, c);
        INDArray s = Transforms.sqrt(var.add(eps));
        INDArray xhat = xcd.divRowVector(s);
        INDArray gd = gamma.castTo(DataType.DOUBLE);
        INDArray yExp = xhat.mulRowVector(gd).addRowVector(beta.castTo(DataType.DOUBLE));
        assertThat(maxRelDiff(y.reshape(m, c), yExp)).as("forward vs formula").isLessThan(1e-5);
        INDArray dxExp = dyd.subRowVector(dyd.mean(0).reshape(1, c))
                .subi(xhat.mulRowVector(dyd.mul(xhat).mean(0).reshape(1, c))).muliRowVector(gd.div(s));
        assertThat(maxRelDiff(f.getSecond().reshape(m, c), dxExp)).as("dx vs formula").isLessThan(1e-4);
        assertThat(maxRelDiff(dg, dyd.mul(xhat).sum(0).reshape(1, c))).as("dgamma vs formula").isLessThan(1e-4);
    }

    /**
     * The backward pass uses the statistics of the last <em>training</em> forward pass: an inference pass in between
     * (which goes to the oneDNN helper) must not switch it to the oneDNN helper's stale caches, a non-contiguous
     * gradient is copied, and a backward pass without a matching training forward pass is a clear error, never a
     * native call on memory that may be gone (see docs/dl4j-notes.md, the CI SIGSEGV in TadDescriptor).
     */
    @Test
    void backwardBelongsToTheLastTrainingForwardPass() {
        long[] shape = {2, 6, 5, 4};
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.rand(DataType.FLOAT, shape).muli(2).addi(1);
        INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, 4).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 1, 4);
        INDArray runMean = Nd4j.zeros(DataType.FLOAT, 1, 4);
        INDArray runVar = Nd4j.ones(DataType.FLOAT, 1, 4);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();

        NhwcBatchNormHelper plain = new NhwcBatchNormHelper(DataType.FLOAT);
        plain.preOutput(x, true, shape, gamma, beta, runMean, runVar, 0.9, 1e-5, CNN2DFormat.NHWC, ws);
        INDArray dxPlain = plain.backpropGradient(x, dy, shape, gamma, beta, Nd4j.zeros(DataType.FLOAT, 1, 4),
                Nd4j.zeros(DataType.FLOAT, 1, 4), 1e-5, CNN2DFormat.NHWC, ws).getSecond();

        NhwcBatchNormHelper h = new NhwcBatchNormHelper(DataType.FLOAT);
        h.preOutput(x, true, shape, gamma, beta, runMean, runVar, 0.9, 1e-5, CNN2DFormat.NHWC, ws);
        h.preOutput(Nd4j.rand(DataType.FLOAT, 1, 3, 3, 4), false, new long[] {1, 3, 3, 4}, gamma, beta, runMean,
                runVar, 0.9, 1e-5, CNN2DFormat.NHWC, ws);
        INDArray dyView = dy.permute(0, 2, 1, 3).dup('c').permute(0, 2, 1, 3); // same values, not c-contiguous
        INDArray dx = h.backpropGradient(x, dyView, shape, gamma, beta, Nd4j.zeros(DataType.FLOAT, 1, 4),
                Nd4j.zeros(DataType.FLOAT, 1, 4), 1e-5, CNN2DFormat.NHWC, ws).getSecond();
        assertThat(maxRelDiff(dx, dxPlain)).isLessThan(1e-6);

        NhwcBatchNormHelper fresh = new NhwcBatchNormHelper(DataType.FLOAT);
        fresh.preOutput(x, true, shape, gamma, beta, runMean, runVar, 0.9, 1e-5, CNN2DFormat.NHWC, ws);
        INDArray other = Nd4j.rand(DataType.FLOAT, 1, 6, 5, 4);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> fresh.backpropGradient(other, other, other.shape(),
                gamma, beta, Nd4j.zeros(DataType.FLOAT, 1, 4), Nd4j.zeros(DataType.FLOAT, 1, 4), 1e-5,
                CNN2DFormat.NHWC, ws)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("without its training forward pass").hasMessageContaining("[1, 6, 5, 4]");
    }

    @Test
    void inferenceUsesTheRunningStatistics() {
        long[] shape = {2, 4, 4, 3};
        INDArray x = Nd4j.rand(DataType.FLOAT, shape);
        INDArray gamma = Nd4j.createFromArray(new float[] {1, 2, 3}).reshape(1, 3);
        INDArray beta = Nd4j.createFromArray(new float[] {0, 1, -1}).reshape(1, 3);
        INDArray mean = Nd4j.createFromArray(new float[] {0.5f, 0.25f, 0}).reshape(1, 3);
        INDArray var = Nd4j.createFromArray(new float[] {4, 1, 0.25f}).reshape(1, 3);
        INDArray y = new NhwcBatchNormHelper(DataType.FLOAT).preOutput(x, false, shape, gamma, beta, mean, var, 0.9,
                1e-5, CNN2DFormat.NHWC, LayerWorkspaceMgr.noWorkspaces());
        INDArray exp = x.reshape(32, 3).subRowVector(mean).divRowVector(Transforms.sqrt(var.add(1e-5)))
                .mulRowVector(gamma).addRowVector(beta);
        assertThat(maxRelDiff(y.reshape(32, 3), exp)).isLessThan(1e-5);
    }

    @Test
    void modelsGetTheFastHelperOnEveryBatchNorm() {
        try (SegmentationModel m = Models.builder("unet", "tiny").decoderChannels(List.of(16, 16, 8, 8, 8))
                .build()) {
            ComputationGraph g = m.graph();
            assertThat(m.batchNorms()).isNotEmpty();
            for (String bn : m.batchNorms()) {
                assertThat(((org.deeplearning4j.nn.layers.normalization.BatchNormalization) g.getLayer(bn))
                        .getHelper()).as(bn).isInstanceOf(NhwcBatchNormHelper.class);
            }
            assertThat(g.getConfiguration().getCacheMode()).isEqualTo(org.deeplearning4j.nn.conf.CacheMode.DEVICE);
        }
    }
}
