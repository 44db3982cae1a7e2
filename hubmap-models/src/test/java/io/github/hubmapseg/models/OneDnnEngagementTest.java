package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Fails if the oneDNN recipe of {@link Dl4jRuntime} does not put DL4J layers on oneDNN helpers (CPU backend
 * only; skipped under {@code -Pcuda}).
 */
class OneDnnEngagementTest {

    @org.junit.jupiter.api.BeforeEach
    void cpuBackendOnly() {
        Dl4jRuntime.configure();
        org.junit.jupiter.api.Assumptions.assumeTrue("CPU".equalsIgnoreCase(
                Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend")), "CPU backend only");
    }

    @Test
    void oneDnnBuildIsLoaded() {
        assertThat(Dl4jRuntime.configure()).as(Dl4jRuntime.describe()).isTrue();
    }

    @Test
    void convBatchNormAndPoolingLayersUseOneDnnHelpers() {
        Dl4jRuntime.configure();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1)
                .convolutionMode(ConvolutionMode.Truncate).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(16, 16, 3, CNN2DFormat.NHWC))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(8)
                        .dataFormat(CNN2DFormat.NHWC).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().dataFormat(CNN2DFormat.NHWC).build(), "conv")
                .addLayer("pool", new SubsamplingLayer.Builder(2, 2).stride(2, 2)
                        .dataFormat(CNN2DFormat.NHWC).build(), "bn")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).format(CNN2DFormat.NHWC).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        g.fit(new org.nd4j.linalg.dataset.MultiDataSet(Nd4j.rand(2, 16, 16, 3), Nd4j.rand(2, 8, 8, 8)));
        g.output(Nd4j.rand(2, 16, 16, 3));
        assertThat(((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) g.getLayer("conv")).getHelper())
                .isInstanceOf(MKLDNNConvHelper.class);
        assertThat(((org.deeplearning4j.nn.layers.normalization.BatchNormalization) g.getLayer("bn")).getHelper())
                .isInstanceOf(MKLDNNBatchNormHelper.class);
        assertThat(((org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer) g.getLayer("pool"))
                .getHelper()).isInstanceOf(MKLDNNSubsamplingHelper.class);
    }
}
