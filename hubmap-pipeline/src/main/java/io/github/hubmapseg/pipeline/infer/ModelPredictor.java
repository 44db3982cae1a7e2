package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.losses.dl4j.SegLossLayer;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link Predictor} over a DL4J {@link SegmentationModel}: takes NCHW tiles in pixel units (0..255), normalises
 * them as training did ({@link Normalization}), reorders to NHWC, runs the model and returns one channel of
 * probabilities (models whose output layer is a {@link SegLossLayer} output sigmoid probabilities; other models
 * output logits and {@link #outputsLogits()} says so, the sliding-window engine then applies the sigmoid).
 * Owns the model: {@link #close()} closes it. Called from one thread at a time.
 */
public final class ModelPredictor implements Predictor {
    private final SegmentationModel model;
    private final Normalization normalization;
    private final boolean logits;

    /**
     * @param model         the model (owned from now on)
     * @param normalization the training normalisation; its channel count must equal the model's
     */
    public ModelPredictor(SegmentationModel model, Normalization normalization) {
        this.model = Objects.requireNonNull(model, "model");
        this.normalization = Objects.requireNonNull(normalization, "normalization");
        if (normalization.channels() != model.inChannels()) {
            throw new IllegalArgumentException("normalization has " + normalization.channels()
                    + " channels but the model takes " + model.inChannels());
        }
        this.logits = !(model.graph().getLayer("loss").conf().getLayer() instanceof SegLossLayer);
    }

    /**
     * Loads a checkpoint: a training checkpoint ({@code best.zip} of a fold), or a model imported from PyTorch
     * weights by {@code hubmap weights import} (metadata {@value #IMPORTED}), which is normalised with the ImageNet
     * statistics its weights expect and outputs logits.
     *
     * @param checkpoint the file
     * @return the predictor
     * @throws IOException if it cannot be read
     */
    public static ModelPredictor load(Path checkpoint) throws IOException {
        if (isImported(checkpoint)) {
            return new ModelPredictor(io.github.hubmapseg.models.Checkpoints.load(checkpoint), Normalization.imagenet());
        }
        Checkpoint c = Checkpoint.load(checkpoint);
        return new ModelPredictor(c.restore(), c.normalization());
    }

    /**
     * @param file a file
     * @return whether it is a checkpoint with {@value #IMPORTED} and no training metadata (reads its header only)
     */
    public static boolean isImported(Path file) {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(file.toFile())) {
            java.util.zip.ZipEntry e = z.getEntry(io.github.hubmapseg.models.Checkpoints.HEADER);
            if (e == null || e.getSize() > (1 << 24)) {
                return false;
            }
            try (java.io.InputStream in = z.getInputStream(e)) {
                com.fasterxml.jackson.databind.JsonNode meta = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(in).path("metadata");
                return meta.has(IMPORTED) && !meta.has(Checkpoint.METADATA_KEY);
            }
        } catch (IOException | RuntimeException e) {
            return false; // not this format: Checkpoint.load says what it is
        }
    }

    /** Metadata key of a model imported from PyTorch weights ({@code hubmap weights import}). */
    public static final String IMPORTED = "imported";

    /** @return the model */
    public SegmentationModel model() {
        return model;
    }

    /** @return the normalisation applied to inputs */
    public Normalization normalization() {
        return normalization;
    }

    @Override
    public int inputChannels() {
        return model.inChannels();
    }

    @Override
    public boolean outputsLogits() {
        return logits;
    }

    @Override
    public int sizeDivisor() {
        return model.outputStride();
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
            normalization.planarToInterleaved(tiles.data(), n * len, plane, nhwc, n * len);
        }
        return nhwc;
    }

    @Override
    public TileBatch predict(TileBatch tiles) {
        float[] nhwc = toModelInput(tiles);
        INDArray x = Nd4j.create(nhwc, new long[] {tiles.size(), tiles.height(), tiles.width(), tiles.channels()}, 'c');
        INDArray out = model.logits(x);
        if (out.size(3) != 1) {
            throw new IllegalStateException("model must output 1 channel, got shape "
                    + java.util.Arrays.toString(out.shape()));
        }
        // [N, H, W, 1] in c order is the same memory as [N, 1, H, W]
        return new TileBatch(out.dup('c').data().asFloat(), tiles.size(), 1, tiles.height(), tiles.width());
    }

    @Override
    public void close() {
        model.close();
    }
}
