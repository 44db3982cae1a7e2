package io.github.hubmapseg.models;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link Predictor} over a {@link SegmentationModel}: takes NCHW tiles in pixel units (0..255), normalises
 * them with the training mean/std ({@code (v - mean[c]) / std[c]} in float), reorders to NHWC, runs the model and
 * returns its one output channel. Whether that channel holds logits or sigmoid probabilities is the model's
 * recorded {@link OutputActivation} (a checkpoint's metadata), never guessed from the output layer here.
 * Owns the model: {@link #close()} closes it. Called from one thread at a time.
 */
public final class ModelPredictor implements Predictor {
    private final SegmentationModel model;
    private final double[] mean;
    private final double[] std;
    private final OutputActivation output;

    /**
     * @param model   the model (owned from now on)
     * @param mean    per-channel input mean in pixel units; one value per model input channel
     * @param std     per-channel input standard deviation, each &gt; 0
     * @param output  what the model's first output holds
     */
    public ModelPredictor(SegmentationModel model, double[] mean, double[] std, OutputActivation output) {
        this.model = Objects.requireNonNull(model, "model");
        this.output = Objects.requireNonNull(output, "output");
        if (mean == null || std == null || mean.length != model.inChannels() || std.length != model.inChannels()) {
            throw new IllegalArgumentException("normalization has " + (mean == null ? 0 : mean.length) + " means and "
                    + (std == null ? 0 : std.length) + " stds but the model takes " + model.inChannels()
                    + " channels");
        }
        for (int c = 0; c < std.length; c++) {
            if (!(std[c] > 0) || !Double.isFinite(std[c]) || !Double.isFinite(mean[c])) {
                throw new IllegalArgumentException("normalization of channel " + c + " must have a finite mean and "
                        + "a finite std > 0, got mean " + mean[c] + ", std " + std[c]);
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** @return the model */
    public SegmentationModel model() {
        return model;
    }

    /** @return per-channel input mean */
    public double[] mean() {
        return mean.clone();
    }

    /** @return per-channel input standard deviation */
    public double[] std() {
        return std.clone();
    }

    /** @return what the model's output holds */
    public OutputActivation outputActivation() {
        return output;
    }

    @Override
    public int inputChannels() {
        return model.inChannels();
    }

    @Override
    public boolean outputsLogits() {
        return output == OutputActivation.LOGITS;
    }

    @Override
    public int sizeDivisor() {
        return model.outputStride();
    }

    /**
     * Normalises one channel-planar sample into an NHWC destination: {@code dst[i * C + c] =
     * (chw[c * plane + i] - (float) mean[c]) * (float) (1 / std[c])}.
     *
     * @param chw    source {@code [c * plane + i]} in pixel units
     * @param srcOff first source value
     * @param plane  pixels per plane
     * @param mean   per-channel mean
     * @param std    per-channel standard deviation
     * @param dst    destination {@code [i * channels + c]}
     * @param dstOff first destination value
     */
    public static void planarToInterleaved(float[] chw, int srcOff, int plane, double[] mean, double[] std,
                                           float[] dst, int dstOff) {
        int nc = mean.length;
        for (int c = 0; c < nc; c++) {
            float m = (float) mean[c];
            float inv = (float) (1.0 / std[c]);
            int s = srcOff + c * plane;
            int d = dstOff + c;
            for (int i = 0; i < plane; i++, d += nc) {
                dst[d] = (chw[s + i] - m) * inv;
            }
        }
    }

    /**
     * The model input for a batch: normalised, NHWC.
     *
     * @param tiles NCHW tiles in pixel units
     * @return {@code [N, H, W, C]} values
     */
    public float[] toModelInput(TileBatch tiles) {
        if (tiles.channels() != model.inChannels()) {
            throw new IllegalArgumentException("tiles must have " + model.inChannels() + " channels, got "
                    + tiles.channels());
        }
        int plane = tiles.height() * tiles.width();
        int len = tiles.tileLength();
        float[] nhwc = new float[tiles.data().length];
        for (int n = 0; n < tiles.size(); n++) {
            planarToInterleaved(tiles.data(), n * len, plane, mean, std, nhwc, n * len);
        }
        return nhwc;
    }

    @Override
    public TileBatch predict(TileBatch tiles) {
        float[] nhwc = toModelInput(tiles);
        INDArray x = Nd4j.create(nhwc, new long[] {tiles.size(), tiles.height(), tiles.width(), tiles.channels()}, 'c');
        INDArray out = model.logits(x);
        if (out.size(3) != 1) {
            throw new IllegalStateException("model must output 1 channel, got shape " + Arrays.toString(out.shape()));
        }
        // [N, H, W, 1] in c order is the same memory as [N, 1, H, W]
        return new TileBatch(out.dup('c').data().asFloat(), tiles.size(), 1, tiles.height(), tiles.width());
    }

    @Override
    public void close() {
        model.close();
    }
}
