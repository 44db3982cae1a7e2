package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * U-Net attention gates (Oktay et al.) and CBAM (Woo et al.) against our transcriptions of their authors' code in
 * {@code src/test/python/ref_attention.py} (torch 1.13, tiny encoder, random weights, batch-norm statistics
 * randomised): every tensor imported, logits to 1e-4, the export gives the same names and shapes; gradients through
 * the new vertices ({@link ReduceVertex}, {@link HeightConcatVertex}) against central differences. Skipped without torch.
 */
class AttentionParityTest {
    private static final Path SCRIPT = Paths.get("src", "test", "python", "ref_attention.py");

    private static void check(String name, Models.Builder builder) throws Exception {
        Path weights = TorchParityTest.reference(SCRIPT, name);
        Map<String, INDArray> ref = TorchParityTest.refs(name);
        Map<String, INDArray> sd = TorchWeights.readNpz(weights);
        try (SegmentationModel m = builder.build()) {
            int n = TorchWeights.load(m, sd, "");
            assertThat(n).isEqualTo(sd.keySet().stream().filter(k -> !k.endsWith("num_batches_tracked")).count());
            TorchParityTest.assertClose(m.outputs(SegmentationModel.toNhwc(ref.get("x")))[0], ref.get("y0"), name);
            // and back: the export has the same names and shapes (the CBAM MLP as nn.Linear)
            Map<String, INDArray> exported = TorchWeights.export(m, new java.util.HashSet<>());
            for (Map.Entry<String, INDArray> e : sd.entrySet()) {
                assertThat(exported.get(e.getKey()).shape()).as(e.getKey()).containsExactly(e.getValue().shape());
            }
        }
    }

    @Test
    void unetWithAttentionGatesMatchesPyTorch() throws Exception {
        check("unet_tiny_gate", Models.builder("unet", "tiny").decoderChannels(List.of(32, 32, 16, 16, 16))
                .attentionGate(true));
    }

    @Test
    void unetWithCbamMatchesPyTorch() throws Exception {
        check("unet_tiny_cbam", Models.builder("unet", "tiny").decoderChannels(List.of(32, 32, 16, 16, 16))
                .cbam(true));
    }

    /**
     * The new vertices of the gate and CBAM between convolutions (their batch norms left out: DL4J's own layer, and
     * the finite-difference harness cannot hold a training-mode batch norm's workspace arrays across passes): conv ->
     * channel max/mean -> conv -> bilinear x2 times the input; global max and average stacked by height -> 1x1 conv
     * -> mean -> scale.
     */
    private static ComputationGraph net(DataType type) {
        GraphBuilder g = VertexGraphs.builder(type, InputType.convolutional(4, 4, 2, Blocks.FORMAT));
        Blocks b = new Blocks(g, "in", 2);
        String x = b.conv("c", "in", 3, 3, 1, 1, 1, true);
        g.addVertex("cp", new ReduceVertex(ReduceVertex.Kind.CHANNEL_MAX_MEAN), x);
        b.register("cp", 2);
        String s = b.conv("sc", "cp", 1, 3, 2, 1, 1, true);
        String y = b.scale("mul", x, b.bilinearUpsample("up", b.act("sig", s, org.nd4j.linalg.activations.Activation
                .SIGMOID), 2));
        g.addVertex("max", new ReduceVertex(ReduceVertex.Kind.GLOBAL_MAX), y);
        b.register("max", 3);
        g.addVertex("stack", new HeightConcatVertex(), b.globalAvgPool("avg", y), "max");
        b.register("stack", 3);
        String m = b.globalAvgPool("mean", b.conv("mlp", "stack", 3, 1, 1, 0, 1, true));
        g.setOutputs(b.scale("out", y, m));
        return VertexGraphs.init(g);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        FiniteDifferences.check(AttentionParityTest::net, new long[] {2, 4, 4, 2}, 3);
    }

    @Test
    void optionsAreChecked() {
        assertThatThrownBy(() -> Models.builder("unet", "tiny").scse(true).cbam(true).build())
                .hasMessageContaining("scse and cbam");
        assertThatThrownBy(() -> Models.builder("fpn", "tiny").attentionGate(true).build())
                .hasMessageContaining("not applicable to fpn: attentionGate");
    }
}
