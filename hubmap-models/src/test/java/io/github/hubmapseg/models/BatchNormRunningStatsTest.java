package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The batch norm of {@link Blocks} (oneDNN helper engaged when available) tracks the batch statistics. */
class BatchNormRunningStatsTest {

    @Test
    void runningStatisticsConvergeToTheBatchStatisticsAndInferenceUsesThem() {
        Dl4jRuntime.configure();
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(1e-9)).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 4, Blocks.FORMAT));
        Blocks b = new Blocks(gb, "in", 4);
        b.bn("bn", "in");
        gb.addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                .format(Blocks.FORMAT).build(), "bn").setOutputs("loss");
        ComputationGraph g = new ComputationGraph(gb.build());
        g.init();
        org.nd4j.linalg.api.rng.Random rng = Nd4j.getRandomFactory().getNewRandomInstance(3);
        INDArray x = Nd4j.rand(rng, 4, 8, 8, 4).muli(Nd4j.createFromArray(1f, 2f, 3f, 4f).reshape(1, 1, 1, 4))
                .addi(Nd4j.createFromArray(10f, -5f, 0f, 3f).reshape(1, 1, 1, 4));
        INDArray y = Nd4j.zeros(4, 8, 8, 4);
        for (int i = 0; i < 80; i++) {
            g.fit(new INDArray[] {x}, new INDArray[] {y});
        }
        INDArray rows = x.reshape(-1, 4);
        INDArray mean = g.getLayer("bn").getParam("mean").reshape(1, 4);
        INDArray var = g.getLayer("bn").getParam("var").reshape(1, 4);
        // decay 0.9: after 80 steps the running values are within 0.9^80 of the (fixed) batch statistics
        assertThat(mean.reshape(4).sub(rows.mean(0)).amaxNumber().doubleValue()).isLessThan(1e-2);
        INDArray ratio = var.reshape(4).div(rows.var(false, 0));
        assertThat(ratio.minNumber().doubleValue()).isGreaterThan(0.98);
        assertThat(ratio.maxNumber().doubleValue()).isLessThan(1.02);
        INDArray inference = g.output(false, x)[0];
        INDArray expect = rows.subRowVector(mean).divRowVector(Transforms.sqrt(var.add(1e-5))).reshape(4, 8, 8, 4);
        assertThat(inference.sub(expect).amaxNumber().doubleValue()).isLessThan(1e-4);
        assertThat(inference.sub(g.output(true, x)[0]).amaxNumber().doubleValue()).as("inference vs training mode")
                .isLessThan(0.05);
    }
}
