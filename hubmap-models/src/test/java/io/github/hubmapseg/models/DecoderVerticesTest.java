package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.assertj.core.data.Offset;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link PixelShuffleVertex}, {@link ExpandVertex}, dilated and transposed convs: values, gradients, JSON. */
class DecoderVerticesTest {

    /** conv -> pixel shuffle -> conv, plus an image-pooling branch (pool, 1x1 conv, expand) and an atrous conv. */
    private static ComputationGraph net(DataType type) {
        GraphBuilder g = VertexGraphs.builder(type, InputType.convolutional(3, 4, 2, Blocks.FORMAT));
        Blocks b = new Blocks(g, "in", 2);
        String x = b.conv("c", "in", 8, 3, 1, 1, 1, true);
        String ps = b.pixelShuffle("ps", x);
        String y = b.conv("c2", ps, 3, 3, 1, 1, 1, true);
        String pooled = b.conv("pc", b.globalAvgPool("pool", y), 3, 1, 1, 0, 1, true);
        String e = b.expand("expand", b.act("tanh", pooled, Activation.TANH), y);
        String d = b.dilatedConv("atrous", y, 3, 3, 2, 2, true);
        String t = b.transposedConv("up", b.add("sum", y, e, d), 2, 4, 2, 1, true);
        g.setOutputs(b.act("out", t, Activation.IDENTITY));
        ComputationGraph n = VertexGraphs.init(g);
        SegmentationModel.bypassOneDnnForDilatedConvs(n);
        return n;
    }

    @Test
    void pixelShuffleUsesPyTorchChannelOrder() {
        ComputationGraph n = net(DataType.FLOAT);
        INDArray in = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 2);
        var acts = n.feedForward(in, false);
        INDArray x = acts.get("c");
        INDArray ps = acts.get("ps");
        assertThat(ps.shape()).containsExactly(2, 6, 8, 2);
        for (int b = 0; b < 2; b++) {
            for (int h = 0; h < 3; h++) {
                for (int w = 0; w < 4; w++) {
                    for (int c = 0; c < 2; c++) {
                        for (int i = 0; i < 2; i++) {
                            for (int j = 0; j < 2; j++) {
                                // torch.nn.PixelShuffle: out[c, 2h+i, 2w+j] = in[c*4 + i*2 + j, h, w]
                                assertThat(ps.getDouble(b, 2 * h + i, 2 * w + j, c))
                                        .isEqualTo(x.getDouble(b, h, w, c * 4 + i * 2 + j));
                            }
                        }
                    }
                }
            }
        }
        INDArray e = acts.get("expand");
        INDArray p = acts.get("tanh");
        assertThat(e.shape()).containsExactly(2, 6, 8, 3);
        assertThat(e.getDouble(1, 5, 7, 2)).isEqualTo(p.getDouble(1, 0, 0, 2));
        assertThat(e.getDouble(0, 2, 3, 1)).isEqualTo(p.getDouble(0, 0, 0, 1));
        assertThat(n.outputSingle(in).shape()).containsExactly(2, 12, 16, 2);
        // any size at run time
        assertThat(n.outputSingle(Nd4j.rand(DataType.FLOAT, 1, 5, 2, 2)).shape()).containsExactly(1, 20, 8, 2);
    }

    /** Analytic gradients against central differences, every 7th parameter (all layers covered). */
    @Test
    void gradientsMatchFiniteDifferences() {
        FiniteDifferences.check(DecoderVerticesTest::net, new long[] {2, 3, 4, 2}, 7);
    }

    @Test
    void survivesSerialisation(@TempDir Path dir) throws Exception {
        VertexGraphs.assertSurvivesSerialisation(net(DataType.FLOAT), dir, Nd4j.rand(DataType.FLOAT, 1, 3, 4, 2),
                SegmentationModel::bypassOneDnnForDilatedConvs);
    }
}
