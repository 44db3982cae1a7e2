package io.github.hubmapseg.losses.dl4j;

import io.github.hubmapseg.losses.BatchShape;
import io.github.hubmapseg.losses.DeepSupervision;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The runtime layer of {@link SegLossLayer}: output {@code sigmoid(logits)}, score = the configured loss,
 * backprop = its exact gradient. Gradients handed to the network are multiplied by the minibatch size
 * because Deeplearning4j's updater divides parameter gradients by it (DL4J's own loss layers follow the same
 * convention; {@code Dl4jLossLayerTest} checks it against finite differences of the score).
 */
public class SegLossLayerImpl extends AbstractLayer<SegLossLayer> implements IOutputLayer {

    private static final long serialVersionUID = 1L;

    private INDArray labels;
    private double lastScore;

    /** Creates the layer from its configuration. */
    public SegLossLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Logits, labels and shapes of the current input, as double arrays. */
    private record Batch(BatchShape shape, double[] logits, BatchShape labelShape, double[] labels) {
    }

    private BatchShape shapeOf(INDArray a, String what) {
        if (a.rank() != 4) {
            throw new IllegalArgumentException(what + " of SegLossLayer " + layerId() + " must be 4-D "
                    + layerConf().getFormat() + ", got shape " + java.util.Arrays.toString(a.shape()));
        }
        boolean nhwc = layerConf().getFormat() == CNN2DFormat.NHWC;
        long c = nhwc ? a.size(3) : a.size(1);
        if (c != 1) {
            throw new IllegalArgumentException(what + " of SegLossLayer " + layerId() + " must have 1 channel ("
                    + (nhwc ? "[B, H, W, 1] NHWC" : "[B, 1, H, W] NCHW") + "), got shape "
                    + java.util.Arrays.toString(a.shape()));
        }
        long h = nhwc ? a.size(1) : a.size(2);
        long w = nhwc ? a.size(2) : a.size(3);
        return BatchShape.of(Math.toIntExact(a.size(0)), Math.toIntExact(h), Math.toIntExact(w));
    }

    private static double[] flat(INDArray a) {
        double[] d = a.dup('c').data().asDouble();
        if (d.length != a.length()) {
            d = java.util.Arrays.copyOf(d, (int) a.length());
        }
        return d;
    }

    private Batch batch() {
        assertInputSet(true);
        if (labels == null) {
            throw new IllegalStateException("SegLossLayer " + layerId() + ": labels are not set");
        }
        if (maskArray != null) {
            throw new UnsupportedOperationException("SegLossLayer " + layerId() + " does not support mask arrays");
        }
        BatchShape s = shapeOf(input, "input");
        BatchShape ls = shapeOf(labels, "labels");
        if (ls.batch() != s.batch() || ls.height() < s.height() || ls.width() < s.width()) {
            throw new IllegalArgumentException("labels of SegLossLayer " + layerId() + " must have the batch of the"
                    + " input and at least its height and width, got labels " + ls + " for input " + s);
        }
        return new Batch(s, flat(input), ls, flat(labels));
    }

    private double scoreAndGradient(Batch b, double[] grad) {
        DeepSupervision ds = layerConf().toDeepSupervision();
        return ds.valueAndGradient(b.labelShape(), b.labels(), b.shape(), b.logits(), grad);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        Batch b = batch();
        double[] grad = new double[b.shape().size()];
        lastScore = scoreAndGradient(b, grad);
        double scale = b.shape().batch(); // undone by the updater's division by the minibatch size
        for (int i = 0; i < grad.length; i++) {
            grad[i] *= scale;
        }
        INDArray tmp;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            tmp = Nd4j.createFromArray(grad).castTo(input.dataType()).reshape('c', input.shape());
        }
        INDArray eps = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        eps.assign(tmp);
        return new Pair<>(new DefaultGradient(), eps);
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        lastScore = scoreAndGradient(batch(), null);
        return lastScore + fullNetRegTerm;
    }

    @Override
    public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr workspaceMgr) {
        Batch b = batch();
        DeepSupervision ds = layerConf().toDeepSupervision();
        int n = b.shape().batch();
        int ppi = b.shape().pixelsPerImage();
        int lppi = b.labelShape().pixelsPerImage();
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double[] x = java.util.Arrays.copyOfRange(b.logits(), i * ppi, (i + 1) * ppi);
            double[] y = java.util.Arrays.copyOfRange(b.labels(), i * lppi, (i + 1) * lppi);
            out[i] = ds.valueAndGradient(b.labelShape().withBatch(1), y, b.shape().withBatch(1), x, null)
                    + fullNetRegTerm;
        }
        INDArray arr;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            arr = Nd4j.createFromArray(out).castTo(dataType).reshape(n, 1);
        }
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, arr);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        shapeOf(input, "input");
        INDArray out = workspaceMgr.dup(ArrayType.ACTIVATIONS, input, 'c');
        return Transforms.sigmoid(out, false);
    }

    @Override
    public double score() {
        return lastScore;
    }

    @Override
    public boolean needsLabels() {
        return true;
    }

    @Override
    public void setLabels(INDArray labels) {
        this.labels = labels;
    }

    @Override
    public INDArray getLabels() {
        return labels;
    }

    @Override
    public void clear() {
        super.clear();
        labels = null;
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
        // no parameters
    }

    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        return 0;
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        this.maskArray = maskArray;
        return new Pair<>(maskArray, currentMaskState);
    }

    @Override
    public double f1Score(DataSet data) {
        throw new UnsupportedOperationException("SegLossLayer has no f1 score; evaluate Dice on the sigmoid output");
    }

    @Override
    public double f1Score(INDArray examples, INDArray labels) {
        throw new UnsupportedOperationException("SegLossLayer has no f1 score; evaluate Dice on the sigmoid output");
    }

    @Override
    public int numLabels() {
        return 1;
    }

    @Override
    public void fit(DataSetIterator iter) {
        throw new UnsupportedOperationException("train the network, not its output layer");
    }

    @Override
    public int[] predict(INDArray examples) {
        throw new UnsupportedOperationException("use the network's output (sigmoid probabilities)");
    }

    @Override
    public java.util.List<String> predict(DataSet dataSet) {
        throw new UnsupportedOperationException("use the network's output (sigmoid probabilities)");
    }

    @Override
    public void fit(INDArray examples, INDArray labels) {
        throw new UnsupportedOperationException("train the network, not its output layer");
    }

    @Override
    public void fit(DataSet data) {
        throw new UnsupportedOperationException("train the network, not its output layer");
    }

    @Override
    public void fit(INDArray examples, int[] labels) {
        throw new UnsupportedOperationException("train the network, not its output layer");
    }
}
