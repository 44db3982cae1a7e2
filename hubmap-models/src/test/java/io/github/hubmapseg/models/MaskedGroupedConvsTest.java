package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A checkpoint written with the earlier grouped convolution (dense convolution + {@link GroupMaskConstraint}, as
 * {@code Blocks.conv} built it before {@link GroupedConvolutionLayer}; the graph is built here with those same
 * classes, so the file is what that code wrote) loads as a {@link GroupedConvolutionLayer}: same outputs to 1e-5
 * relative, and the next Adam step from the stored optimizer state gives the same outputs as the old graph's.
 */
class MaskedGroupedConvsTest {
    private static ComputationGraph oldForm() {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(7)
                .updater(new Adam(1e-2)).weightInit(WeightInit.RELU).dataType(DataType.FLOAT)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder().addInputs("input").setInputTypes(InputType.convolutional(12, 12, 3, Blocks.FORMAT));
        g.addLayer("conv1", new NhwcConvolutionLayer(conv(3, 64, 1).hasBias(false)), "input");
        g.addLayer("bn1", new BatchNormalization.Builder().nIn(64).nOut(64).eps(1e-5).decay(0.9).useLogStd(false)
                .dataFormat(Blocks.FORMAT).activation(Activation.RELU).build(), "conv1");
        g.addLayer("layer1.0.conv2", new NhwcConvolutionLayer(conv(64, 64, 2).hasBias(false)
                .constrainWeights(new GroupMaskConstraint(32))), "bn1");
        g.addLayer("head", new NhwcConvolutionLayer(new ConvolutionLayer.Builder(1, 1).nIn(64).nOut(1)
                .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY).dataFormat(Blocks.FORMAT)),
                "layer1.0.conv2");
        g.addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                .format(Blocks.FORMAT).build(), "head");
        g.setOutputs("loss");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        INDArray w = graph.getLayer("layer1.0.conv2").getParam("W");
        w.muli(GroupMaskConstraint.mask(w.shape(), 32, w.dataType()));
        return graph;
    }

    private static ConvolutionLayer.Builder conv(long in, long out, int stride) {
        return new ConvolutionLayer.Builder(3, 3).stride(stride, stride).padding(1, 1)
                .convolutionMode(ConvolutionMode.Truncate).nIn(in).nOut(out).activation(Activation.IDENTITY)
                .dataFormat(Blocks.FORMAT);
    }

    private static double rel(INDArray a, INDArray b) {
        return Transforms.abs(a.sub(b)).maxNumber().doubleValue()
                / Math.max(1e-12, Transforms.abs(b).maxNumber().doubleValue());
    }

    @Test
    void maskedDenseCheckpointLoadsAsRealGroupedConvolution(@TempDir Path dir) throws Exception {
        Dl4jRuntime.configure();
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 12, 12, 3);
        INDArray y = Nd4j.rand(DataType.FLOAT, 2, 6, 6, 1);
        Path file = dir.resolve("old.zip");
        ComputationGraph old = oldForm();
        old.fit(new INDArray[] {x}, new INDArray[] {y});
        old.fit(new INDArray[] {x}, new INDArray[] {y});
        try (SegmentationModel m = new SegmentationModel("custom", "custom", 3, 2, old,
                Map.of("layer1.0.conv2", new int[] {32, 3}), List.of("bn1"))) {
            Checkpoints.save(m, file);
            INDArray before = old.outputSingle(x).dup();
            try (SegmentationModel r = Checkpoints.load(file)) {
                ComputationGraph g = r.graph();
                assertThat(g.getLayer("layer1.0.conv2").conf().getLayer()).isInstanceOf(GroupedConvolutionLayer.class);
                assertThat(g.getLayer("layer1.0.conv2").getParam("W").shape()).containsExactly(64, 2, 3, 3);
                assertThat(g.numParams()).isEqualTo(old.numParams() - GroupMaskConstraint.maskedCount(64, 64, 3, 3, 32));
                assertThat(rel(g.outputSingle(x), before)).isLessThan(1e-5);
                // the weights round-trip to PyTorch's layout unchanged
                assertThat(TorchWeights.export(r, new java.util.HashSet<>()).get("layer1.0.conv2.weight"))
                        .isEqualTo(TorchWeights.compactGrouped(old.getLayer("layer1.0.conv2").getParam("W"), 32));
                // one more Adam step from the converted optimizer state = the old graph's step
                old.fit(new INDArray[] {x}, new INDArray[] {y});
                g.fit(new INDArray[] {x}, new INDArray[] {y});
                INDArray after = old.outputSingle(x);
                assertThat(rel(after, before)).isGreaterThan(1e-3); // the step changed the outputs
                assertThat(rel(g.outputSingle(x), after)).isLessThan(1e-5);
            }
        }
    }
}
