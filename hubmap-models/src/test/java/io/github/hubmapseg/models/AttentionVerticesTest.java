package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link GlobalAvgPoolVertex} and {@link BroadcastMulVertex}: values, gradients, serialisation. */
class AttentionVerticesTest {

    /** A squeeze-and-excitation gate plus a spatial gate on a 3x3 conv: x*cSE(x) + x*sSE(x). */
    private static ComputationGraph net(DataType type) {
        GraphBuilder g = VertexGraphs.builder(type, InputType.convolutional(6, 5, 3, Blocks.FORMAT));
        Blocks b = new Blocks(g, "in", 3);
        String x = b.conv("c", "in", 4, 3, 1, 1, 1, true);
        String s = b.conv("fc1", b.globalAvgPool("pool", x), 2, 1, 1, 0, 1, true);
        s = b.act("sig", b.conv("fc2", b.relu("r", s), 4, 1, 1, 0, 1, true), Activation.SIGMOID);
        String sp = b.act("sps", b.conv("sp", x, 1, 1, 1, 0, 1, true), Activation.SIGMOID);
        String y = b.add("sum", b.scale("cse", x, s), b.scale("sse", x, sp));
        g.setOutputs(b.act("out", y, Activation.IDENTITY));
        return VertexGraphs.init(g);
    }

    @Test
    void forwardEqualsExplicitBroadcastArithmetic() {
        ComputationGraph n = net(DataType.FLOAT);
        INDArray in = Nd4j.rand(DataType.FLOAT, 2, 6, 5, 3);
        var acts = n.feedForward(in, false);
        INDArray x = acts.get("c");
        INDArray pooled = acts.get("pool");
        assertThat(pooled.shape()).containsExactly(2, 1, 1, 4);
        for (int i = 0; i < 2; i++) {
            for (int c = 0; c < 4; c++) {
                double mean = 0;
                for (int h = 0; h < 6; h++) {
                    for (int w = 0; w < 5; w++) {
                        mean += x.getDouble(i, h, w, c);
                    }
                }
                assertThat(pooled.getDouble(i, 0, 0, c)).isCloseTo(mean / 30, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
        INDArray gate = acts.get("sig");
        INDArray spatial = acts.get("sps");
        INDArray out = n.outputSingle(in);
        for (int i = 0; i < 2; i++) {
            for (int h = 0; h < 6; h++) {
                for (int w = 0; w < 5; w++) {
                    for (int c = 0; c < 4; c++) {
                        double v = x.getDouble(i, h, w, c);
                        double want = v * gate.getDouble(i, 0, 0, c) + v * spatial.getDouble(i, h, w, 0);
                        assertThat(out.getDouble(i, h, w, c)).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5));
                    }
                }
            }
        }
        // any spatial size at run time
        assertThat(n.outputSingle(Nd4j.rand(DataType.FLOAT, 1, 9, 4, 3)).shape()).containsExactly(1, 9, 4, 4);
    }

    /** Analytic gradients of the gates against central differences, every parameter ({@link FiniteDifferences}). */
    @Test
    void gradientsMatchFiniteDifferences() {
        FiniteDifferences.check(AttentionVerticesTest::net, new long[] {2, 6, 5, 3}, 1);
    }

    @Test
    void survivesSerialisation(@TempDir Path dir) throws Exception {
        VertexGraphs.assertSurvivesSerialisation(net(DataType.FLOAT), dir, Nd4j.rand(DataType.FLOAT, 1, 6, 5, 3),
                back -> { });
    }
}
