package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.losses.dl4j.SegLossLayer;
import io.github.hubmapseg.models.Checkpoints;
import io.github.hubmapseg.models.ModelPredictor;
import io.github.hubmapseg.models.OutputActivation;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens checkpoints as {@link ModelPredictor}s: a training checkpoint (its model rebuilt from its recipe,
 * normalised with its training mean/std) or a model imported from PyTorch weights (ImageNet statistics). What the
 * model outputs is read from the checkpoint's {@value OutputActivation#KEY} metadata; for files written before
 * that field existed it is derived once, here, from the output layer.
 */
public final class ModelPredictors {
    /** Metadata key of a model imported from PyTorch weights ({@code hubmap weights import}). */
    public static final String IMPORTED = "imported";

    private ModelPredictors() {
    }

    /**
     * Loads a checkpoint: a training checkpoint ({@code best.zip} of a fold), or a model imported from PyTorch
     * weights by {@code hubmap weights import} (metadata {@value #IMPORTED}), which is normalised with the ImageNet
     * statistics its weights expect.
     *
     * @param checkpoint the file
     * @return the predictor; the caller closes it
     * @throws IOException if it cannot be read (or its recorded output activation is malformed)
     */
    public static ModelPredictor load(Path checkpoint) throws IOException {
        SegmentationModel model;
        Normalization n;
        Checkpoints.Contents contents;
        if (isImported(checkpoint)) {
            contents = Checkpoints.read(checkpoint);
            try {
                model = Checkpoints.restore(contents);
            } catch (RuntimeException e) {
                throw new IOException(checkpoint + ": the stored model cannot be rebuilt (" + e.getMessage() + ")", e);
            }
            n = Normalization.imagenet();
        } else {
            Checkpoint c = Checkpoint.load(checkpoint);
            contents = c.contents();
            model = c.restore();
            n = c.normalization();
        }
        try {
            OutputActivation output;
            try {
                output = contents.outputActivation().orElseGet(() -> derivedFromOutputLayer(model));
            } catch (IllegalArgumentException e) {
                throw new IOException(checkpoint + ": " + e.getMessage(), e);
            }
            return new ModelPredictor(model, n.mean(), n.std(), output);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * The output activation of a model from a checkpoint written before {@value OutputActivation#KEY} was recorded:
     * the training pipeline's {@link SegLossLayer} outputs sigmoid probabilities, any other output layer (the
     * default {@code CnnLossLayer} with identity activation of imported models) logits. The only place that
     * inspects the output layer.
     */
    static OutputActivation derivedFromOutputLayer(SegmentationModel model) {
        return model.graph().getLayer("loss").conf().getLayer() instanceof SegLossLayer ? OutputActivation.SIGMOID
                : OutputActivation.LOGITS;
    }

    /**
     * @param file a file
     * @return whether it is a checkpoint with {@value #IMPORTED} and no training metadata (reads its header only)
     */
    public static boolean isImported(Path file) {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(file.toFile())) {
            java.util.zip.ZipEntry e = z.getEntry(Checkpoints.HEADER);
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
}
