package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.testkit.ExternalTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link NhwcBatchNormHelper} must give what DL4J's oneDNN helper gives (training forward, batch statistics,
 * input gradient, gamma/beta gradients), and an independent double-precision evaluation of the batch-norm
 * formulas; and {@link Dl4jRuntime#accelerate} must install it on the models of this module. Both of its training
 * paths (oneDNN 2.5's batch-normalisation primitive, the default, and the BLAS products of
 * {@code -Dhubmap.batchNorm=gemm}) are checked against PyTorch 1.13's {@code batch_norm} evaluated in float64
 * ({@code src/test/python/ref_batch_norm.py}).
 */
class NhwcBatchNormHelperTest {
    private static final Path OUT = Paths.get("target", "batch-norm");
    private static final Path SCRIPT = Paths.get("src", "test", "python", "ref_batch_norm.py");

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

    private static synchronized Map<String, INDArray> torchReference(String name) throws Exception {
        Path marker = OUT.resolve("many_pixels_8.npz");
        if (!Files.exists(marker) || Files.getLastModifiedTime(marker).compareTo(Files.getLastModifiedTime(SCRIPT)) < 0) {
            Path python = ExternalTools.python("python3-torch python3-numpy", "torch", "numpy");
            Files.createDirectories(OUT);
            Process p = new ProcessBuilder(python.toString(), SCRIPT.toString(), OUT.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(log).isZero();
        }
        return TorchWeights.readNpz(OUT.resolve(name + ".npz"));
    }

    /** max |a - b| / max(1, max |b|), as GroupedConvolutionTest measures. */
    private static double diff(INDArray a, INDArray b) {
        double scale = Math.max(1.0, Transforms.abs(b).maxNumber().doubleValue());
        return Transforms.abs(a.castTo(DataType.DOUBLE).reshape(b.shape()).sub(b.castTo(DataType.DOUBLE)))
                .maxNumber().doubleValue() / scale;
    }

    /**
     * Training forward pass (output, batch mean, biased batch variance) and backward pass (dx, dgamma, dbeta) against
     * torch in float64, through oneDNN 2.5 ({@code onednn25}) and through the BLAS products ({@code gemm}). Tolerance:
     * float32 accumulation over up to 16,384 pixels per channel.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"narrow_8, onednn25", "narrow_8, gemm", "wide_96, onednn25", "wide_96, gemm", "odd_24, onednn25",
            "odd_24, gemm", "many_pixels_8, onednn25", "many_pixels_8, gemm"})
    void trainingPassMatchesTorch(String name, String path) throws Exception {
        Map<String, INDArray> ref = torchReference(name);
        INDArray x = ref.get("x");
        long[] shape = x.shape();
        long c = shape[3];
        INDArray gamma = ref.get("gamma").reshape(1, c);
        INDArray beta = ref.get("beta").reshape(1, c);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        String before = System.getProperty(NhwcBatchNormHelper.PROPERTY);
        System.setProperty(NhwcBatchNormHelper.PROPERTY, path);
        try {
            NhwcBatchNormHelper h = new NhwcBatchNormHelper(DataType.FLOAT);
            INDArray y = h.preOutput(x, true, shape, gamma, beta, Nd4j.zeros(DataType.FLOAT, 1, c),
                    Nd4j.ones(DataType.FLOAT, 1, c), 0.9, 1e-5, CNN2DFormat.NHWC, ws);
            assertThat(h.onOneDnn25()).as(path).isEqualTo("onednn25".equals(path));
            assertThat(diff(y, ref.get("y"))).as("y").isLessThan(1e-5);
            assertThat(diff(h.getMeanCache(DataType.FLOAT), ref.get("mean"))).as("mean").isLessThan(1e-6);
            assertThat(diff(h.getVarCache(DataType.FLOAT), ref.get("var"))).as("var").isLessThan(1e-5);
            INDArray dg = Nd4j.zeros(DataType.FLOAT, 1, c);
            INDArray db = Nd4j.zeros(DataType.FLOAT, 1, c);
            INDArray dx = h.backpropGradient(x, ref.get("dy"), shape, gamma, beta, dg, db, 1e-5, CNN2DFormat.NHWC, ws)
                    .getSecond();
            assertThat(diff(dx, ref.get("dx"))).as("dx").isLessThan(1e-5);
            assertThat(diff(dg, ref.get("dgamma"))).as("dgamma").isLessThan(1e-4);
            assertThat(diff(db, ref.get("dbeta"))).as("dbeta").isLessThan(1e-5);
        } finally {
            if (before == null) {
                System.clearProperty(NhwcBatchNormHelper.PROPERTY);
            } else {
                System.setProperty(NhwcBatchNormHelper.PROPERTY, before);
            }
        }
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
