package io.github.hubmapseg.pipeline.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.models.Checkpoints;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A training checkpoint: a hubmap-models checkpoint ({@link Checkpoints}, format {@value Checkpoints#FORMAT}
 * version {@value Checkpoints#VERSION}: model description, DL4J configuration, parameters including
 * batch-norm statistics and, for resumable checkpoints, the optimizer state) whose metadata entry
 * {@value #METADATA_KEY} holds the training state: the recipe (YAML text), epochs done, iteration,
 * normalisation, metrics history and best score/epoch. The model is rebuilt from the recipe
 * ({@link ModelFactory}) and the arrays copied in, so restoring does not depend on DL4J's graph JSON (the
 * file can still be opened with {@link Checkpoints#load} or DL4J's {@code ModelSerializer}). The training
 * data order needs no saved random state: it is a pure function of the recipe seed and the epoch.
 *
 * <p>Files of the previous pipeline format ({@code meta.json}, {@code recipe.yaml}, {@code params.bin},
 * {@code updater.bin}) still load. Written atomically.
 *
 * @param recipe        the recipe the model was trained with
 * @param epochsDone    completed epochs
 * @param iteration     optimizer steps done
 * @param normalization input normalisation used in training
 * @param history       per-epoch metrics so far
 * @param bestScore     best selection metric so far ({@code NaN} before the first validation)
 * @param bestEpoch     epoch (1-based) of the best metric, 0 if none
 * @param params        flattened parameters
 * @param updaterState  flattened optimizer state, or {@code null}
 * @param model         description and DL4J configuration of the model, or {@code null} for a checkpoint
 *                      read from the previous format (then recomputed from the recipe when saving)
 */
public record Checkpoint(Recipe recipe, int epochsDone, long iteration, Normalization normalization,
                         List<EpochMetrics> history, double bestScore, int bestEpoch, INDArray params,
                         INDArray updaterState, ModelState model) {
    /** Key of the training state in the checkpoint metadata. */
    public static final String METADATA_KEY = "training";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What the models format needs besides the arrays.
     *
     * @param info           the model description
     * @param configuration  DL4J graph configuration JSON
     */
    public record ModelState(Checkpoints.ModelInfo info, String configuration) {
    }

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
        Checkpoints.Contents c = Checkpoints.capture(model, Map.of(), withUpdater, true);
        return new Checkpoint(recipe, epochsDone, iteration, normalization, List.copyOf(history), bestScore,
                bestEpoch, c.params(), c.updaterState(), new ModelState(c.model(), c.configuration()));
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
        if (g.params().length() != params.length()) {
            m.close();
            throw new IllegalArgumentException("checkpoint has " + params.length() + " parameters but the recipe's model "
                    + "has " + g.params().length());
        }
        g.setParams(params);
        if (updaterState != null) {
            INDArray view = g.getUpdater(true).getStateViewArray();
            if (view == null || view.length() != updaterState.length()) {
                m.close();
                throw new IllegalArgumentException("checkpoint optimizer state does not fit the model");
            }
            view.assign(updaterState);
        }
        g.getConfiguration().setIterationCount((int) iteration);
        g.getConfiguration().setEpochCount(epochsDone);
        return m;
    }

    /**
     * Writes the checkpoint atomically in the hubmap-models format.
     *
     * @param target the zip file
     * @throws IOException on write failure
     */
    public void save(Path target) throws IOException {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("epochs_done", epochsDone);
        meta.put("iteration", iteration);
        meta.put("mean", normalization.mean());
        meta.put("std", normalization.std());
        meta.put("best_score", Double.isNaN(bestScore) ? null : bestScore);
        meta.put("best_epoch", bestEpoch);
        meta.put("history", JSON.convertValue(history, List.class));
        meta.put("recipe", Recipes.toYaml(recipe));
        ModelState ms = model;
        if (ms == null) {
            // read from the previous format: describe the model from its recipe
            try (SegmentationModel m = ModelFactory.create(recipe)) {
                ms = new ModelState(Checkpoints.ModelInfo.of(m), m.graph().getConfiguration().toJson());
            }
        }
        Checkpoints.write(new Checkpoints.Contents(ms.info(), ms.configuration(), params, updaterState,
                Map.of(METADATA_KEY, meta)), target);
    }

    /**
     * Reads a checkpoint (this format, or the previous pipeline format).
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
        boolean legacy;
        try (ZipFile z = new ZipFile(file.toFile())) {
            legacy = z.getEntry(Checkpoints.HEADER) == null && z.getEntry("meta.json") != null;
        } catch (ZipException e) {
            throw new IOException(file + " is not a hubmap checkpoint (not a zip file: " + e.getMessage() + ")", e);
        }
        if (legacy) {
            return loadV1(file);
        }
        Checkpoints.Contents c = Checkpoints.read(file);
        if (!(c.metadata().get(METADATA_KEY) instanceof Map<?, ?> meta)) {
            throw new IOException(file + " is a hubmap model checkpoint without training state (no '" + METADATA_KEY
                    + "' metadata): load it with Checkpoints.load, not as a training checkpoint");
        }
        Object yaml = meta.get("recipe");
        if (!(yaml instanceof String)) {
            throw new IOException(file + ": training metadata has no recipe");
        }
        Recipe recipe = Recipes.parseStored((String) yaml, file + "!recipe");
        return fromMeta(meta, recipe, c.params(), c.updaterState(), new ModelState(c.model(), c.configuration()));
    }

    private static Checkpoint fromMeta(Map<?, ?> meta, Recipe recipe, INDArray params, INDArray up, ModelState ms) {
        Normalization norm = new Normalization(doubles(meta.get("mean")), doubles(meta.get("std")));
        List<EpochMetrics> hist = JSON.convertValue(meta.get("history"),
                JSON.getTypeFactory().constructCollectionType(List.class, EpochMetrics.class));
        Object best = meta.get("best_score");
        return new Checkpoint(recipe, ((Number) meta.get("epochs_done")).intValue(),
                ((Number) meta.get("iteration")).longValue(), norm, hist,
                best == null ? Double.NaN : ((Number) best).doubleValue(), ((Number) meta.get("best_epoch")).intValue(),
                params, up, ms);
    }

    /** The previous pipeline format: meta.json, recipe.yaml, params.bin, updater.bin (ND4J binary). */
    private static Checkpoint loadV1(Path file) throws IOException {
        Map<String, byte[]> e = new HashMap<>();
        try (InputStream in = Files.newInputStream(file); ZipInputStream z = new ZipInputStream(in)) {
            ZipEntry en;
            while ((en = z.getNextEntry()) != null) {
                e.put(en.getName(), z.readAllBytes());
            }
        }
        for (String need : new String[] {"meta.json", "recipe.yaml", "params.bin"}) {
            if (!e.containsKey(need)) {
                throw new IOException(file + " is not a hubmap checkpoint: " + need + " is missing");
            }
        }
        Map<?, ?> meta = JSON.readValue(e.get("meta.json"), Map.class);
        Recipe recipe = Recipes.parseStored(new String(e.get("recipe.yaml"), StandardCharsets.UTF_8), file + "!recipe.yaml");
        INDArray params = Nd4j.read(new ByteArrayInputStream(e.get("params.bin")));
        INDArray up = e.containsKey("updater.bin") ? Nd4j.read(new ByteArrayInputStream(e.get("updater.bin"))) : null;
        return fromMeta(meta, recipe, params, up, null);
    }

    private static double[] doubles(Object o) {
        List<?> l = (List<?>) o;
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = ((Number) l.get(i)).doubleValue();
        }
        return d;
    }
}
