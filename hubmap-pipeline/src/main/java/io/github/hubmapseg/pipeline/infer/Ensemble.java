package io.github.hubmapseg.pipeline.infer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A saved ensemble: member checkpoints (paths relative to the file's folder) and the threshold chosen for it
 * (by out-of-fold search, or the recipe's), as {@code ensemble.json}. {@link #open()} loads the members as
 * predictors.
 *
 * @param members   checkpoint files
 * @param threshold mask threshold of the ensemble
 * @param searched  whether the threshold came from an out-of-fold search
 * @param oofDice   out-of-fold mean Dice at the threshold ({@code NaN} if unknown)
 */
public record Ensemble(List<Path> members, double threshold, boolean searched, double oofDice) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Validates. */
    public Ensemble {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("an ensemble needs at least one member");
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        }
        members = List.copyOf(members);
    }

    /**
     * Loads every member.
     *
     * @return predictors; close each
     * @throws IOException if a checkpoint cannot be read
     */
    public List<ModelPredictor> open() throws IOException {
        List<ModelPredictor> p = new ArrayList<>();
        try {
            for (Path m : members) {
                p.add(ModelPredictor.load(m));
            }
        } catch (IOException | RuntimeException e) {
            p.forEach(ModelPredictor::close);
            throw e;
        }
        return p;
    }

    /**
     * Writes {@code ensemble.json} atomically.
     *
     * @param target the file
     * @throws IOException on failure
     */
    public void save(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "hubmap-ensemble/1");
        List<String> rel = new ArrayList<>();
        for (Path p : members) {
            rel.add(dir.relativize(p.toAbsolutePath()).toString());
        }
        m.put("members", rel);
        m.put("threshold", threshold);
        m.put("threshold_searched", searched);
        m.put("oof_dice", Double.isNaN(oofDice) ? null : oofDice);
        AtomicFiles.writeString(target, JSON.writeValueAsString(m));
    }

    /**
     * What the command line takes as {@code --ensemble}: an {@code ensemble.json} ({@link #load(Path)}), or one
     * checkpoint {@code .zip} as a one-member ensemble at threshold 0.5 (not searched).
     *
     * @param file {@code ensemble.json} or a checkpoint {@code .zip}
     * @return the ensemble
     * @throws IOException if an ensemble file cannot be read
     */
    public static Ensemble ofFile(Path file) throws IOException {
        return file.toString().endsWith(".zip") ? new Ensemble(List.of(file), 0.5, false, Double.NaN) : load(file);
    }

    /**
     * Reads {@code ensemble.json}.
     *
     * @param file the file
     * @return the ensemble
     * @throws IOException if it cannot be read
     */
    public static Ensemble load(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("ensemble file " + file + " does not exist");
        }
        Map<?, ?> m = JSON.readValue(file.toFile(), Map.class);
        Path dir = file.toAbsolutePath().getParent();
        List<Path> members = new ArrayList<>();
        for (Object o : (List<?>) m.get("members")) {
            members.add(dir.resolve(o.toString()).normalize());
        }
        Object d = m.get("oof_dice");
        return new Ensemble(members, ((Number) m.get("threshold")).doubleValue(),
                Boolean.TRUE.equals(m.get("threshold_searched")), d == null ? Double.NaN : ((Number) d).doubleValue());
    }
}
