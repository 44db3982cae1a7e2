package io.github.hubmapseg.losses.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.losses.BatchShape;
import io.github.hubmapseg.losses.DeepSupervision;
import io.github.hubmapseg.losses.Losses;
import io.github.hubmapseg.losses.TargetResize;
import java.util.Random;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The losses inside Deeplearning4j: a tiny NHWC ComputationGraph trained a few steps per loss (the loss
 * falls), the update direction checked against finite differences of the score, deep supervision outputs,
 * configuration JSON, bad input, and the CnnLossLayer flattening that motivates {@link SegLossLayer}.
 */
class Dl4jLossLayerTest {

    static final int B = 4;
    static final int S = 16;

    /** Images with bright noisy disks (NHWC [B, S, S, 1]) and their masks; image 3 has no disk. */
    static DataSet data(int batch, int size, DataType type, long seed) {
        Random rnd = new Random(seed);
        double[] img = new double[batch * size * size];
        double[] mask = new double[img.length];
        for (int b = 0; b < batch; b++) {
            double cy = 3 + rnd.nextInt(size - 6);
            double cx = 3 + rnd.nextInt(size - 6);
            double r = 2 + rnd.nextDouble() * 2.5;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int i = (b * size + y) * size + x;
                    boolean in = b != 3 && (y - cy) * (y - cy) + (x - cx) * (x - cx) <= r * r;
                    mask[i] = in ? 1 : 0;
                    img[i] = (in ? 1.0 : 0.0) + 0.3 * rnd.nextGaussian();
                }
            }
        }
        INDArray f = Nd4j.createFromArray(img).castTo(type).reshape('c', batch, size, size, 1);
        INDArray l = Nd4j.createFromArray(mask).castTo(type).reshape('c', batch, size, size, 1);
        return new DataSet(f, l);
    }

    static ComputationGraphConfiguration.GraphBuilder trunk(DataType type, IUpdater updater) {
        return new NeuralNetConfiguration.Builder()
                .seed(12345)
                .dataType(type)
                .updater(updater)
                .weightInit(WeightInit.XAVIER)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(S, S, 1, CNN2DFormat.NHWC))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).dataFormat(CNN2DFormat.NHWC).build(), "in")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).dataFormat(CNN2DFormat.NHWC).build(), "c1")
                .addLayer("logits", new ConvolutionLayer.Builder(1, 1).nOut(1).activation(Activation.IDENTITY)
                        .dataFormat(CNN2DFormat.NHWC).build(), "c2");
    }

    static ComputationGraph net(String spec, DataType type, IUpdater updater) {
        ComputationGraphConfiguration conf = trunk(type, updater)
                .addLayer("out", SegLossLayer.builder(spec).build(), "logits")
                .setOutputs("out")
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @ParameterizedTest
    @ValueSource(strings = {"bce", "dice", "dice_per_image", "lovasz", "lovasz_batch", "focal",
            "focal(gamma=2,alpha=0.25)", "bce+lovasz", "0.5*bce+0.5*dice"})
    void tinyNetworkLossFalls(String spec) {
        ComputationGraph g = net(spec, DataType.FLOAT, new Adam(0.02));
        DataSet ds = data(B, S, DataType.FLOAT, 1);
        double before = g.score(ds);
        for (int i = 0; i < 12; i++) {
            g.fit(ds);
        }
        double after = g.score(ds);
        // the score the layer reports is the loss of this module on the network's logits
        INDArray logits = g.feedForward(ds.getFeatures(), false).get("logits");
        BatchShape shape = BatchShape.of(B, S, S);
        double direct = Losses.parse(spec).value(shape, logits.dup('c').data().asFloat(),
                ds.getLabels().dup('c').data().asFloat());
        assertThat(after).isCloseTo(direct, org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, direct)));
        assertThat(after).as("%s: %s -> %s", spec, before, after).isLessThan(0.9 * before);
        INDArray out = g.outputSingle(ds.getFeatures());
        assertThat(out.shape()).containsExactly(B, S, S, 1);
        assertThat(out.minNumber().doubleValue()).isGreaterThanOrEqualTo(0.0);
        assertThat(out.maxNumber().doubleValue()).isLessThanOrEqualTo(1.0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dice_per_image", "bce+lovasz"})
    void updateFollowsTheGradientOfTheScore(String spec) {
        double lr = 1e-3;
        ComputationGraph g = net(spec, DataType.DOUBLE, new Sgd(lr));
        DataSet ds = data(3, S, DataType.DOUBLE, 2);
        INDArray p0 = g.params().dup();
        // numerical gradient of the score for the parameters of the last convolution (9 values)
        long n = p0.length();
        double h = 1e-6;
        double[] fd = new double[9];
        for (int k = 0; k < fd.length; k++) {
            long idx = n - 1 - k;
            INDArray p = p0.dup();
            p.putScalar(idx, p0.getDouble(idx) + h);
            g.setParams(p);
            double up = g.score(ds);
            p.putScalar(idx, p0.getDouble(idx) - h);
            g.setParams(p);
            double down = g.score(ds);
            fd[k] = (up - down) / (2 * h);
        }
        g.setParams(p0.dup());
        g.fit(ds);
        INDArray p1 = g.params();
        for (int k = 0; k < fd.length; k++) {
            long idx = n - 1 - k;
            double step = p1.getDouble(idx) - p0.getDouble(idx);
            assertThat(step).as("param %d", idx)
                    .isCloseTo(-lr * fd[k], org.assertj.core.data.Offset.offset(1e-4 * lr * Math.abs(fd[k]) + 1e-12));
        }
    }

    @Test
    void deepSupervisionOutputUsesFullResolutionLabelsWeightAndNonEmptyImages() {
        ComputationGraphConfiguration conf = trunk(DataType.FLOAT, new Adam(0.02))
                .addLayer("pool", new SubsamplingLayer.Builder(2, 2).stride(2, 2)
                        .dataFormat(CNN2DFormat.NHWC).build(), "c2")
                .addLayer("auxLogits", new ConvolutionLayer.Builder(1, 1).nOut(1).activation(Activation.IDENTITY)
                        .dataFormat(CNN2DFormat.NHWC).build(), "pool")
                .addLayer("out", SegLossLayer.builder("bce+lovasz").build(), "logits")
                .addLayer("aux", SegLossLayer.builder("bce+lovasz").weight(0.1).nonEmptyOnly(true)
                        .targetResize(TargetResize.MAX_POOL).build(), "auxLogits")
                .setOutputs("out", "aux")
                .build();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertThat(back.toJson()).isEqualTo(conf.toJson());
        assertThat(back.toJson()).contains("bce+lovasz").contains("MAX_POOL");
        ComputationGraph g = new ComputationGraph(back);
        g.init();
        DataSet ds = data(B, S, DataType.FLOAT, 3);
        MultiDataSet mds = new MultiDataSet(new INDArray[] {ds.getFeatures()},
                new INDArray[] {ds.getLabels(), ds.getLabels()});
        double before = g.score(mds);
        var acts = g.feedForward(ds.getFeatures(), false);
        float[] y = ds.getLabels().dup('c').data().asFloat();
        double[] yd = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            yd[i] = y[i];
        }
        double main = Losses.parse("bce+lovasz").value(BatchShape.of(B, S, S),
                acts.get("logits").dup('c').data().asFloat(), y);
        float[] auxF = acts.get("auxLogits").dup('c').data().asFloat();
        double[] auxD = new double[auxF.length];
        for (int i = 0; i < auxF.length; i++) {
            auxD[i] = auxF[i];
        }
        double aux = DeepSupervision.firstPlace(Losses.parse("bce+lovasz"))
                .valueAndGradient(BatchShape.of(B, S, S), yd, BatchShape.of(B, S / 2, S / 2), auxD, null);
        assertThat(before).isCloseTo(main + aux, org.assertj.core.data.Offset.offset(1e-5));
        for (int i = 0; i < 12; i++) {
            g.fit(mds);
        }
        assertThat(g.score(mds)).isLessThan(0.9 * before);
    }

    @Test
    void badInputFailsClearly() {
        ComputationGraph g = net("bce+lovasz", DataType.FLOAT, new Adam(0.02));
        DataSet ds = data(2, S, DataType.FLOAT, 4);
        INDArray badLabels = ds.getLabels().dup();
        badLabels.putScalar(new long[] {1, 2, 3, 0}, 0.5);
        assertThatThrownBy(() -> g.fit(new DataSet(ds.getFeatures(), badLabels)))
                .hasMessageContaining("labels must be 0 or 1, got 0.5 at (b=1, y=2, x=3)");
        INDArray small = Nd4j.zeros(DataType.FLOAT, 2, S / 2, S / 2, 1);
        assertThatThrownBy(() -> g.fit(new DataSet(ds.getFeatures(), small)))
                .hasMessageContaining("must have the batch of the input and at least its height and width");
        INDArray twoChannels = Nd4j.zeros(DataType.FLOAT, 2, S, S, 2);
        assertThatThrownBy(() -> g.fit(new DataSet(ds.getFeatures(), twoChannels)))
                .hasMessageContaining("must have 1 channel");
        assertThatThrownBy(() -> SegLossLayer.builder("bce+lovaz").build())
                .hasMessageContaining("unknown loss 'lovaz'");
    }

    /** Records the shapes CnnLossLayer hands to its loss function. */
    static final class RecordingLoss implements ILossFunction {
        static long[] scoreShape;
        static long[] gradShape;

        @Override
        public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                                   boolean average) {
            scoreShape = preOutput.shape();
            return 0;
        }

        @Override
        public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
                                          INDArray mask) {
            scoreShape = preOutput.shape();
            return Nd4j.zeros(preOutput.dataType(), preOutput.size(0), 1);
        }

        @Override
        public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn,
                                        INDArray mask) {
            gradShape = preOutput.shape();
            return Nd4j.zerosLike(preOutput);
        }

        @Override
        public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                              IActivation activationFn, INDArray mask,
                                                              boolean average) {
            return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                    computeGradient(labels, preOutput, activationFn, mask));
        }

        @Override
        public String name() {
            return "recording";
        }
    }

    @Test
    void cnnLossLayerFlattensFourDimensionalActivationsToRows() {
        ComputationGraphConfiguration conf = trunk(DataType.FLOAT, new Adam(0.02))
                .addLayer("out", new CnnLossLayer.Builder(new RecordingLoss()).format(CNN2DFormat.NHWC)
                        .activation(Activation.IDENTITY).build(), "logits")
                .setOutputs("out")
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        DataSet ds = data(2, S, DataType.FLOAT, 5);
        g.setInputs(ds.getFeatures());
        g.setLabels(ds.getLabels());
        g.computeGradientAndScore();
        // backprop: [B*H*W, C] rows; the image each row came from is no longer part of the shape
        assertThat(RecordingLoss.gradShape).containsExactly(2L * S * S, 1L);
        // score: in 1.0.0-M2.1 CnnLossLayer.computeScore reshapes without the layer's format (as NCHW), so an
        // NHWC [B, H, W, 1] activation arrives as [B*H, W] (W taken for channels)
        assertThat(RecordingLoss.scoreShape).containsExactly(2L * S, (long) S);
    }
}
