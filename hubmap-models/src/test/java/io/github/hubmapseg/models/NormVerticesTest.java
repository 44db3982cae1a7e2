package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.models.weights.Npz;
import io.github.hubmapseg.testkit.ExternalTools;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link GroupNormVertex} + {@link Blocks#groupNorm} against torch's {@code nn.GroupNorm}, {@link BilinearUpsampleVertex}
 * against torch's {@code F.interpolate(bilinear, align_corners=True)} and {@code nn.UpsamplingBilinear2d}
 * ({@code src/test/python/ref_norm.py}: float64 in torch, stored as float32), their gradients against central differences, and JSON round trips.
 */
class NormVerticesTest {
    private static final Path SCRIPT = Paths.get("src", "test", "python", "ref_norm.py");

    /** conv -> GroupNorm(2) -> ReLU -> bilinear x2 -> conv -> bilinear x4. */
    private static ComputationGraph net(DataType type) {
        GraphBuilder g = VertexGraphs.builder(type, InputType.convolutional(3, 4, 2, Blocks.FORMAT));
        Blocks b = new Blocks(g, "in", 2);
        String x = b.conv("c", "in", 4, 3, 1, 1, 1, true);
        x = b.relu("r", b.groupNorm("gn", x, 2, 1e-5));
        x = b.conv("c2", b.bilinearUpsample("up", x, 2), 3, 3, 1, 1, 1, true);
        g.setOutputs(b.bilinearUpsample("up4", x, 4));
        ComputationGraph n = VertexGraphs.init(g);
        // random affine parameters, so that their gradients are not at the trivial point
        n.getLayer("gn").getParam("W").assign(Nd4j.rand(type, 1, 1, 4, 1).addi(0.5));
        n.getLayer("gn").getParam("b").assign(Nd4j.rand(type, 1, 4).subi(0.5));
        return n;
    }

    private static ComputationGraph single(String vertex, int channels, java.util.function.Function<Blocks, String> f) {
        GraphBuilder g = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).updater(new NoOp())
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(3, 5, channels, Blocks.FORMAT));
        Blocks b = new Blocks(g, "in", channels);
        g.setOutputs(f.apply(b));
        return VertexGraphs.init(g);
    }

    private static void assertClose(INDArray nhwc, INDArray nchw, String what) {
        INDArray a = SegmentationModel.toNchw(nhwc);
        assertThat(a.shape()).as(what).containsExactly(nchw.shape());
        double d = Transforms.abs(a.sub(nchw.castTo(a.dataType()))).maxNumber().doubleValue();
        double scale = Transforms.abs(nchw).maxNumber().doubleValue();
        // the references are stored as float32 (Npz reads float32): 1e-6 relative is a few float ulps
        assertThat(d / scale).as(what + " max |diff| " + d + ", max |y| " + scale).isLessThan(1e-6);
    }

    @Test
    void matchTorch(@TempDir Path tmp) throws Exception {
        Path python = ExternalTools.python("python3-torch python3-numpy", "torch", "numpy");
        Path out = tmp.resolve("norm.npz");
        Process p = new ProcessBuilder(python.toString(), SCRIPT.toAbsolutePath().toString(), out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        Map<String, INDArray> r = Npz.read(out);
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            INDArray x = SegmentationModel.toNhwc(r.get("x").castTo(DataType.DOUBLE));
            ComputationGraph gn = single("gn", 8, b -> b.groupNorm("gn", "in", 4, 1e-5));
            gn.getLayer("gn").getParam("W").assign(r.get("gn_weight").reshape(1, 1, 8, 1));
            gn.getLayer("gn").getParam("b").assign(r.get("gn_bias").reshape(1, 8));
            assertClose(gn.outputSingle(x), r.get("gn"), "GroupNorm(4, 8)");
            assertClose(single("up2", 8, b -> b.bilinearUpsample("up", "in", 2)).outputSingle(x), r.get("up2"),
                    "bilinear x2");
            assertClose(single("up4", 8, b -> b.bilinearUpsample("up", "in", 4)).outputSingle(x), r.get("up4"),
                    "bilinear x4");
            INDArray thin = SegmentationModel.toNhwc(r.get("thin").castTo(DataType.DOUBLE));
            assertClose(single("thin", 2, b -> b.bilinearUpsample("up", "in", 4)).outputSingle(thin), r.get("thin4"),
                    "bilinear x4 of a 1-row map");
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    /** Every parameter's analytic gradient (through both vertices' backward passes) against central differences. */
    @Test
    void gradientsMatchFiniteDifferences() {
        FiniteDifferences.check(NormVerticesTest::net, new long[] {2, 3, 4, 2}, 1);
    }

    @Test
    void survivesSerialisation(@TempDir Path dir) throws Exception {
        ComputationGraph n = net(DataType.FLOAT);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(n.getConfiguration().toJson());
        assertThat(back.getVertices().get("gn.norm")).isEqualTo(new GroupNormVertex(2, 1e-5));
        assertThat(back.getVertices().get("up4")).isEqualTo(new BilinearUpsampleVertex(4));
        VertexGraphs.assertSurvivesSerialisation(n, dir, Nd4j.rand(DataType.FLOAT, 1, 3, 4, 2), restored -> { });
    }
}
