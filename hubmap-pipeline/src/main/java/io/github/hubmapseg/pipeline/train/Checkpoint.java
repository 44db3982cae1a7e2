package io.github.hubmapseg.pipeline.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.hubmapseg.models.Checkpoints;
import io.github.hubmapseg.models.OutputActivation;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.Normalization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A training checkpoint as the pipeline sees it: a thin typed view of a {@link Checkpoints} file (the one
 * checkpoint format, which owns reading, writing, the {@link Checkpoints.TrainingState training state} and
 * the earlier formats) with the recipe parsed and the history as {@link EpochMetrics}. The model is rebuilt
 * from the recipe ({@link ModelFactory}) and the arrays copied in, so restoring does not depend on DL4J's graph
 * JSON. See docs/checkpoints.md.
 *
 * @param recipe    the recipe the model was trained with
 * @param state     the training state stored in the checkpoint's metadata
 * @param contents  the checkpoint (model description, parameters, optimizer state)
 */
public record Checkpoint(Recipe recipe, Checkpoints.TrainingState state, Checkpoints.Contents contents) {
    /** Key of the training state in the checkpoint metadata ({@link Checkpoints.TrainingState#KEY}). */
    public static final String METADATA_KEY = Checkpoints.TrainingState.KEY;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Captures a model's state.
     *
     * @param model        the model
     * @param withUpdater  include the optimizer state (for resuming)
     * @return the checkpoint (arrays are copies)
     */
    public static Checkpoint of(Recipe recipe, int epochsDone, long iteration, Normalization normalization,
                                List<EpochMetrics> history, double bestScore, int bestEpoch,
                                SegmentationModel model, boolean withUpdater) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (EpochMetrics m : history) {
            rows.add(JSON.convertValue(m, JSON.getTypeFactory().constructMapType(Map.class, String.class,
                    Object.class)));
        }
        Checkpoints.TrainingState state = new Checkpoints.TrainingState(Recipes.toYaml(recipe), epochsDone,
                iteration, normalization.mean(), normalization.std(), rows, bestScore, bestEpoch);
        return new Checkpoint(recipe, state,
                Checkpoints.capture(model, Map.of(METADATA_KEY, state.toMetadata(), OutputActivation.KEY,
                        ModelFactory.OUTPUT_ACTIVATION.key()), withUpdater, true));
    }

    /** @return completed epochs */
    public int epochsDone() {
        return state.epochsDone();
    }

    /** @return optimizer steps done */
    public long iteration() {
        return state.iteration();
    }

    /** @return input normalisation used in training */
    public Normalization normalization() {
        return new Normalization(state.mean(), state.std());
    }

    /** @return per-epoch metrics so far */
    public List<EpochMetrics> history() {
        return JSON.convertValue(state.history(),
                JSON.getTypeFactory().constructCollectionType(List.class, EpochMetrics.class));
    }

    /** @return best selection metric so far ({@code NaN} before the first validation) */
    public double bestScore() {
        return state.bestScore();
    }

    /** @return epoch (1-based) of the best metric, 0 if none */
    public int bestEpoch() {
        return state.bestEpoch();
    }

    /** @return flattened parameters */
    public INDArray params() {
        return contents.params();
    }

    /** @return flattened optimizer state, or {@code null} */
    public INDArray updaterState() {
        return contents.updaterState();
    }

    /**
     * Rebuilds the model from the recipe and loads the parameters (and optimizer state and counters, when
     * present) into it.
     *
     * @return the model; the caller closes it
     */
    public SegmentationModel restore() {
        SegmentationModel m = ModelFactory.create(recipe);
        ComputationGraph g = m.graph();
        INDArray params = contents.params();
        if (g.params().length() != params.length()) {
            m.close();
            throw new IllegalArgumentException("checkpoint has " + params.length() + " parameters but the recipe's model "
                    + "has " + g.params().length());
        }
        g.setParams(params);
        INDArray updaterState = contents.updaterState();
        if (updaterState != null) {
            INDArray view = g.getUpdater(true).getStateViewArray();
            if (view == null || view.length() != updaterState.length()) {
                m.close();
                throw new IllegalArgumentException("checkpoint optimizer state does not fit the model");
            }
            view.assign(updaterState);
        }
        g.getConfiguration().setIterationCount((int) state.iteration());
        g.getConfiguration().setEpochCount(state.epochsDone());
        return m;
    }

    /**
     * Writes the checkpoint atomically ({@link Checkpoints#write}); a checkpoint read from the first training
     * format gets its model description from the recipe.
     *
     * @param target the zip file
     * @throws IOException on write failure
     */
    public void save(Path target) throws IOException {
        Checkpoints.Contents c = contents;
        if (c.model() == null) {
            try (SegmentationModel m = ModelFactory.create(recipe)) {
                c = c.withModel(Checkpoints.ModelInfo.of(m), m.graph().getConfiguration().toJson());
            }
        }
        Checkpoints.write(c, target);
    }

    /**
     * Reads a training checkpoint ({@link Checkpoints#read}: this format or an earlier one).
     *
     * @param file the zip file
     * @return the checkpoint
     * @throws IOException if the file cannot be read or is not a training checkpoint
     * @throws IllegalArgumentException if the file does not exist
     */
    public static Checkpoint load(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("checkpoint " + file + " does not exist");
        }
        Checkpoints.Contents c = Checkpoints.read(file);
        Checkpoints.TrainingState state;
        try {
            state = c.training().orElseThrow(() -> new IOException(file + " is a hubmap model checkpoint without "
                    + "training state (no '" + METADATA_KEY + "' metadata): load it with Checkpoints.load, not as a "
                    + "training checkpoint"));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        Recipe recipe = Recipes.parseStored(state.recipe(), file + "!recipe");
        return new Checkpoint(recipe, state, c);
    }
}
