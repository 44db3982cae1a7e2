package io.github.hubmapseg.pipeline.cohort;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.models.ModelPredictor;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import io.github.hubmapseg.pipeline.infer.Inference;
import io.github.hubmapseg.pipeline.infer.PredictionMemory;
import io.github.hubmapseg.core.slide.ImageSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * An ensemble loaded ONCE and reused for many slides: its predictors, its {@link Inference} (post-processing
 * included) and the digest of everything that decides a unit's outputs (each member checkpoint's content, each
 * member's effective settings and weight, the ensemble-level and post settings, the threshold, the outputs asked
 * for). A unit whose record carries another digest is redone.
 * <p>Predictions with one instance run one slide at a time (the model predictors are not thread-safe); a JVM that
 * predicts slides in parallel loads one instance per thread. Close it to free the models.
 */
public final class CohortPredictor implements AutoCloseable {
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

    private final Inference inference;
    private final List<? extends Predictor> predictors;
    private final String digest;
    private final UnitOutputs outputs;
    private final List<String> description;
    private final Recipe recipe;
    private final List<ModelPredictor> models;
    private final Runnable closer;

    private CohortPredictor(Inference inference, List<? extends Predictor> predictors, String digest,
                            UnitOutputs outputs, List<String> description, Recipe recipe, List<ModelPredictor> models,
                            Runnable closer) {
        this.models = models;
        this.inference = inference;
        this.predictors = List.copyOf(predictors);
        this.digest = digest;
        this.outputs = outputs;
        this.description = List.copyOf(description);
        this.recipe = recipe;
        this.closer = closer;
    }

    /**
     * Loads a job's ensemble: reads every member checkpoint (once), digests them and the effective settings.
     *
     * @param job     the job
     * @param postLog receives one line per slide saying what post-processing did (or {@code null})
     * @throws IOException if a checkpoint cannot be read
     */
    public static CohortPredictor load(CohortJob job, Consumer<String> postLog) throws IOException {
        Ensemble e = job.ensemble();
        Recipe rec = e.ensembleRecipe(job.overrides());
        Inference inference = e.inference(job.overrides(), job.threshold(), null)
                .withPost(Inference.post(rec.post(), rec.infer().reduce()), postLog);
        Map<String, Object> canon = new LinkedHashMap<>();
        canon.put("format", "hubmap-cohort-digest/1");
        List<Object> members = new ArrayList<>();
        for (int i = 0; i < e.entries().size(); i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("checkpoint_sha256", sha256(e.entries().get(i).checkpoint()));
            m.put("weight", e.entries().get(i).weight());
            m.put("settings", e.settings(i, job.overrides()));
            members.add(m);
        }
        canon.put("members", members);
        canon.put("ensemble", rec.infer());
        canon.put("post", rec.post());
        canon.put("threshold", inference.threshold());
        canon.put("outputs", job.outputs());
        String digest = digestOf(canon);
        List<String> describe = new ArrayList<>(e.describe(job.overrides()));
        List<ModelPredictor> ps = e.open();
        return new CohortPredictor(inference, ps, digest, job.outputs(), describe, rec, ps,
                () -> ps.forEach(ModelPredictor::close));
    }

    /**
     * A predictor of given models (tests, benchmarks, library users with their own {@link Predictor}s).
     *
     * @param inference  the inference settings
     * @param predictors one per member, closed by the caller
     * @param settings   what identifies the models and settings (hashed into the digest: change it when they change)
     * @param outputs    the unit's outputs
     */
    public static CohortPredictor of(Inference inference, List<? extends Predictor> predictors, String settings,
                                     UnitOutputs outputs) {
        Map<String, Object> canon = new LinkedHashMap<>();
        canon.put("format", "hubmap-cohort-digest/1");
        canon.put("settings", Objects.requireNonNull(settings, "settings"));
        canon.put("threshold", inference.threshold());
        canon.put("outputs", outputs);
        return new CohortPredictor(inference, predictors, digestOf(canon), outputs, List.of(), null, null, () -> { });
    }

    private static String digestOf(Map<String, Object> canon) {
        try {
            byte[] text = CANONICAL.writeValueAsBytes(canon);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot digest the settings: " + e.getMessage(), e);
        }
    }

    /** @return the SHA-256 of a file's content, hex */
    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the digest of the models and settings (hex SHA-256) */
    public String digest() {
        return digest;
    }

    /** @return the inference (post-processing included) */
    public Inference inference() {
        return inference;
    }

    /** @return the loaded members' predictors */
    public List<? extends Predictor> predictors() {
        return predictors;
    }

    /** @return the outputs each unit writes */
    public UnitOutputs outputs() {
        return outputs;
    }

    /** @return one line per member with its effective settings (empty for {@link #of}) */
    public List<String> description() {
        return description;
    }

    /** @return the ensemble-level recipe (infer and post settings), or {@code null} for {@link #of} */
    public Recipe recipe() {
        return recipe;
    }

    /**
     * The memory estimate of predicting {@code slide} (the widest of a cohort), for a check before any tile is
     * read; empty for {@link #of} (its predictors are not models).
     */
    public Optional<PredictionMemory> memory(ImageSource slide) {
        return models == null ? Optional.empty()
                : Optional.of(PredictionMemory.estimate(inference, recipe.infer(), models, slide));
    }

    @Override
    public void close() {
        closer.run();
    }
}
