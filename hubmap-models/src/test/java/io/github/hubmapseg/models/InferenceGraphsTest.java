package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The folded inference graph ({@link InferenceGraphs}, {@link FusedConvVertex}) against the model's own graph run
 * layer by layer (DL4J's convolution, batch norm, add and ReLU; our own code paths, so this checks the fusion, not
 * the arithmetic: {@code TorchParityTest} compares the folded outputs with PyTorch). Batch-norm statistics are made
 * non-trivial so that a wrong fold would show; parameters are changed between calls (a training step, a direct
 * write into one weight) so that stale prepared weights would show.
 */
class InferenceGraphsTest {
    private static final double TOL = 1e-4;

    @BeforeEach
    void oneDnnOnly() {
        Dl4jRuntime.configure();
        org.junit.jupiter.api.Assumptions.assumeTrue(Dl4jRuntime.oneDnnAvailable() && InferenceGraphs.enabled(),
                "oneDNN CPU backend with the dnnl preset only");
    }

    private static double rel(INDArray a, INDArray b) {
        return Transforms.abs(a.sub(b)).maxNumber().doubleValue()
                / Math.max(1.0, Transforms.abs(b).maxNumber().doubleValue());
    }

    /** Random running statistics and affine parameters in every batch norm. */
    private static void randomBatchNorms(SegmentationModel m) {
        Nd4j.getRandom().setSeed(3);
        for (String name : m.batchNorms()) {
            var l = m.graph().getLayer(name);
            long c = l.getParam(BatchNormalizationParamInitializer.GAMMA).length();
            l.setParam(BatchNormalizationParamInitializer.GAMMA, Nd4j.rand(DataType.FLOAT, 1, c).addi(0.5));
            l.setParam(BatchNormalizationParamInitializer.BETA, Nd4j.rand(DataType.FLOAT, 1, c).subi(0.5));
            l.setParam(BatchNormalizationParamInitializer.GLOBAL_MEAN, Nd4j.rand(DataType.FLOAT, 1, c).subi(0.5));
            l.setParam(BatchNormalizationParamInitializer.GLOBAL_VAR, Nd4j.rand(DataType.FLOAT, 1, c).addi(0.2));
        }
    }

    private static long count(Iterable<GraphVertex> vertices, Class<?> layer) {
        long n = 0;
        for (GraphVertex v : vertices) {
            if (v instanceof LayerVertex lv && layer.isInstance(lv.getLayerConf().getLayer())) {
                n++;
            }
        }
        return n;
    }

    private static void check(SegmentationModel m, INDArray x, String what) {
        INDArray graph = m.graph().output(false, x)[0];
        INDArray folded = m.logits(x);
        assertThat(rel(folded, graph)).as(what).isLessThan(TOL);
    }

    @Test
    void resnetUnetFoldsEveryConvolutionAndMatchesTheLayerByLayerGraph() {
        try (SegmentationModel m = Models.builder("unet", "resnet34").decoderChannels(List.of(64, 32, 16, 16, 8))
                .updater(new Sgd(1e-2)).seed(7).build()) {
            randomBatchNorms(m);
            Nd4j.getRandom().setSeed(5);
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, 64, 64, 3).muli(2).subi(0.5);
            check(m, x, "fresh");

            InferenceGraphs.Folded f = m.inferenceGraph();
            assertThat(f).isNotNull();
            var model = m.graph().getConfiguration().getVertices().values();
            var derived = f.graph().getConfiguration().getVertices().values();
            long convs = count(model, ConvolutionLayer.class);
            assertThat(f.fused()).isEqualTo(convs);
            assertThat(count(derived, ConvolutionLayer.class)).isZero();
            assertThat(count(derived, BatchNormalization.class)).isZero();
            assertThat(count(derived, ActivationLayer.class)).isZero();
            long residual = derived.stream().filter(v -> v instanceof FusedConvVertex c && c.isResidual()).count();
            assertThat(residual).as("ResNet-34's 16 basic blocks end in conv + bn + add + ReLU").isEqualTo(16);
            assertThat(f.copied()).isEmpty();

            // parameters change under the folded graph: a training step, then one weight written directly
            INDArray y = Nd4j.rand(DataType.FLOAT, 2, 64, 64, 1).gt(0.5).castTo(DataType.FLOAT);
            INDArray before = m.logits(x);
            m.fit(x, y);
            check(m, x, "after a training step");
            assertThat(rel(m.logits(x), before)).isGreaterThan(1e-4);
            m.graph().getLayer("decoder.blocks.0.conv1.0").getParam("W").muli(0.5);
            check(m, x, "after a direct weight write");
            // another input size gets its own primitives
            check(m, Nd4j.rand(DataType.FLOAT, 1, 96, 32, 3), "96x32");
            // the 3x3 convolutions from 64 channels as direct convolutions instead of Winograd
            String old = System.getProperty(OneDnnGroupedConv.WINOGRAD);
            System.setProperty(OneDnnGroupedConv.WINOGRAD, "false");
            try {
                check(m, x, "Winograd off");
            } finally {
                if (old == null) {
                    System.clearProperty(OneDnnGroupedConv.WINOGRAD);
                } else {
                    System.setProperty(OneDnnGroupedConv.WINOGRAD, old);
                }
            }
        }
    }

    @Test
    void tinyUnetMatches() {
        try (SegmentationModel m = Models.builder("unet", "tiny").decoderChannels(List.of(32, 24, 16, 8, 8)).seed(3)
                .build()) {
            randomBatchNorms(m);
            Nd4j.getRandom().setSeed(9);
            check(m, Nd4j.rand(DataType.FLOAT, 2, 64, 64, 3), "tiny");
            assertThat(m.inferenceGraph().fused()).isEqualTo(21);
        }
    }

    @Test
    void encoderOutputsStayLayersAndFoldingCanBeSwitchedOff() {
        try (SegmentationModel enc = Models.encoderOnly("resnet34", 3)) {
            randomBatchNorms(enc);
            INDArray x = Nd4j.rand(DataType.FLOAT, 1, 64, 64, 3);
            INDArray[] graph = enc.graph().output(false, x);
            INDArray[] folded = enc.outputs(x);
            assertThat(folded).hasSameSizeAs(graph);
            for (int i = 0; i < graph.length; i++) {
                assertThat(rel(folded[i], graph[i])).as("output " + i).isLessThan(TOL);
            }
            for (String out : enc.outputNames()) {
                assertThat(enc.inferenceGraph().graph().getConfiguration().getVertices().get(out))
                        .isInstanceOf(LayerVertex.class);
            }
        }
        String old = System.getProperty(InferenceGraphs.PROPERTY);
        System.setProperty(InferenceGraphs.PROPERTY, "false");
        try (SegmentationModel m = Models.builder("unet", "tiny").seed(3).build()) {
            assertThat(m.inferenceGraph()).isNull();
        } finally {
            if (old == null) {
                System.clearProperty(InferenceGraphs.PROPERTY);
            } else {
                System.setProperty(InferenceGraphs.PROPERTY, old);
            }
        }
    }
}
