package io.github.hubmapseg.pipeline.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A saved model: a zip holding {@code meta.json} (epoch, iteration, normalisation, metrics history, threshold),
 * {@code recipe.yaml}, {@code params.bin} (all parameters including batch-norm statistics, ND4J binary) and,
 * for resumable checkpoints, {@code updater.bin} (the optimizer state). The model is rebuilt from the recipe
 * ({@link ModelFactory}) and the arrays copied in, so a checkpoint does not depend on DL4J's graph JSON.
 * Written atomically.
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
 */
public record Checkpoint(Recipe recipe, int epochsDone, long iteration, Normalization normalization,
                         List<EpochMetrics> history, double bestScore, int bestEpoch, INDArray params,
                         INDArray updaterState) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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
        ComputationGraph g = model.graph();
        INDArray up = null;
        if (withUpdater && g.getUpdater(true) != null && g.getUpdater().getStateViewArray() != null) {
            up = g.getUpdater().getStateViewArray().dup();
        }
        return new Checkpoint(recipe, epochsDone, iteration, normalization, List.copyOf(history), bestScore,
                bestEpoch, g.params().dup(), up);
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
     * Writes the checkpoint atomically.
     *
     * @param target the zip file
     * @throws IOException on write failure
     */
    public void save(Path target) throws IOException {
        Map<String, Object> meta = new HashMap<>();
        meta.put("format", "hubmap-checkpoint/1");
        meta.put("epochs_done", epochsDone);
        meta.put("iteration", iteration);
        meta.put("mean", normalization.mean());
        meta.put("std", normalization.std());
        meta.put("best_score", Double.isNaN(bestScore) ? null : bestScore);
        meta.put("best_epoch", bestEpoch);
        meta.put("history", history);
        AtomicFiles.write(target, out -> {
            try (ZipOutputStream z = new ZipOutputStream(out)) {
                put(z, "meta.json", JSON.writeValueAsBytes(meta));
                put(z, "recipe.yaml", Recipes.toYaml(recipe).getBytes(StandardCharsets.UTF_8));
                put(z, "params.bin", bytes(params));
                if (updaterState != null) {
                    put(z, "updater.bin", bytes(updaterState));
                }
            }
        });
    }

    private static byte[] bytes(INDArray a) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Nd4j.write(b, a);
        return b.toByteArray();
    }

    private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        z.putNextEntry(new ZipEntry(name));
        z.write(data);
        z.closeEntry();
    }

    /**
     * Reads a checkpoint.
     *
     * @param file the zip file
     * @return the checkpoint
     * @throws IOException if the file is missing or not a checkpoint
     */
    public static Checkpoint load(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("checkpoint " + file + " does not exist");
        }
        Map<String, byte[]> e = new HashMap<>();
        try (InputStream in = Files.newInputStream(file); ZipInputStream z = new ZipInputStream(in)) {
            ZipEntry en;
            while ((en = z.getNextEntry()) != null) {
                e.put(en.getName(), z.readAllBytes());
            }
        }
        for (String need : new String[] {"meta.json", "recipe.yaml", "params.bin"}) {
            if (!e.containsKey(need)) {
                throw new IllegalArgumentException(file + " is not a hubmap checkpoint: " + need + " is missing");
            }
        }
        Map<?, ?> meta = JSON.readValue(e.get("meta.json"), Map.class);
        Recipe recipe = Recipes.parse(new String(e.get("recipe.yaml"), StandardCharsets.UTF_8), file + "!recipe.yaml");
        Normalization norm = new Normalization(doubles(meta.get("mean")), doubles(meta.get("std")));
        List<EpochMetrics> hist = JSON.convertValue(meta.get("history"),
                JSON.getTypeFactory().constructCollectionType(List.class, EpochMetrics.class));
        Object best = meta.get("best_score");
        INDArray params = Nd4j.read(new ByteArrayInputStream(e.get("params.bin")));
        INDArray up = e.containsKey("updater.bin") ? Nd4j.read(new ByteArrayInputStream(e.get("updater.bin"))) : null;
        return new Checkpoint(recipe, ((Number) meta.get("epochs_done")).intValue(),
                ((Number) meta.get("iteration")).longValue(), norm, hist,
                best == null ? Double.NaN : ((Number) best).doubleValue(), ((Number) meta.get("best_epoch")).intValue(),
                params, up);
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
